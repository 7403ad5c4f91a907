# Sourced by ./ignis and .ci/run: finds a JDK >= 22 and a Maven, fetching Maven when missing.
# Prints nothing on success; fails with a message saying what to install otherwise.

IGNIS_MIN_JAVA=22
IGNIS_MAVEN_VERSION=3.9.9

# Major version of the JDK at $1, or 0.
ignis_java_major() {
    local spec
    spec=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}')
    echo "${spec:-0}" | cut -d. -f1
}

# Sets JAVA_HOME to the newest JDK >= IGNIS_MIN_JAVA found (with javac), searching
# $IGNIS_JAVA_HOME, $JAVA_HOME, the java on PATH, /usr/lib/jvm/* and ~/.jdks/*.
ignis_find_jdk() {
    local candidates=() best="" best_major=0 c major
    [ -n "${IGNIS_JAVA_HOME:-}" ] && candidates+=("$IGNIS_JAVA_HOME")
    [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
    if command -v java >/dev/null 2>&1; then
        candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
    fi
    for c in /usr/lib/jvm/* "$HOME"/.jdks/* /opt/java/*; do
        [ -d "$c" ] && candidates+=("$c")
    done
    for c in "${candidates[@]}"; do
        [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
        major=$(ignis_java_major "$c")
        if [ "$major" -ge "$IGNIS_MIN_JAVA" ] && [ "$major" -gt "$best_major" ]; then
            best="$c"
            best_major="$major"
        fi
    done
    if [ -z "$best" ]; then
        echo "ignis: no JDK >= $IGNIS_MIN_JAVA found (looked at \$JAVA_HOME, PATH, /usr/lib/jvm, ~/.jdks)." >&2
        echo "ignis: install one (e.g. Temurin 25 from https://adoptium.net) or set IGNIS_JAVA_HOME." >&2
        return 1
    fi
    export JAVA_HOME="$best"
}

# Sets MVN to a Maven >= 3.6.3: the one on PATH, else one downloaded once from Maven Central
# into ~/.cache/ignis.
ignis_find_maven() {
    if command -v mvn >/dev/null 2>&1; then
        MVN=$(command -v mvn)
        return 0
    fi
    local dir="$HOME/.cache/ignis/apache-maven-$IGNIS_MAVEN_VERSION"
    if [ ! -x "$dir/bin/mvn" ]; then
        local url="https://repo.maven.apache.org/maven2/org/apache/maven/apache-maven/$IGNIS_MAVEN_VERSION/apache-maven-$IGNIS_MAVEN_VERSION-bin.tar.gz"
        echo "ignis: Maven not found; fetching $url" >&2
        mkdir -p "$HOME/.cache/ignis"
        if command -v curl >/dev/null 2>&1; then
            curl -fsSL "$url" | tar -xz -C "$HOME/.cache/ignis"
        else
            wget -qO- "$url" | tar -xz -C "$HOME/.cache/ignis"
        fi || { echo "ignis: could not download Maven; install it (apt-get install maven)" >&2; return 1; }
    fi
    MVN="$dir/bin/mvn"
}
