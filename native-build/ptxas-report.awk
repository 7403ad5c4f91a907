# Condenses `ptxas -v` output (native-build/build.sh's cubin logs) to one line per kernel and arch
# (build.sh prints the header and sorts the lines).
/Compiling entry function/ {
    split($0, quoted, "'")
    kernel = quoted[2]; arch = quoted[4]; stores = 0; loads = 0
}
/Function properties for/ { properties_of = $NF }
/bytes spill stores/ && properties_of == kernel {
    for (i = 1; i <= NF; i++) {
        if ($(i + 1) == "bytes" && $(i + 2) == "spill" && $(i + 3) ~ /^stores/) stores = $i
        if ($(i + 1) == "bytes" && $(i + 2) == "spill" && $(i + 3) ~ /^loads/) loads = $i
    }
}
/Used [0-9]+ registers/ && kernel != "" {
    regs = 0; smem = 0
    for (i = 1; i <= NF; i++) {
        if ($i == "Used") regs = $(i + 1)
        if ($(i + 1) == "bytes" && $(i + 2) ~ /^smem/) smem = $i
    }
    printf "  %-40s %-6s %5s %12s %11s %10s\n", kernel, arch, regs, stores " B", loads " B", smem " B"
    kernel = ""
}
