package ignis.backend.device;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link LaunchRecording} for devices without launch graphs (OpenCL): the launches as they were
 * asked for, kernel, grid and arguments, launched again on each replay. It keeps the semantics of
 * a CUDA graph (arguments fixed at recording, nothing runs while recording), so the tests on
 * OpenCL check that what the executor records is right to replay.
 */
public final class RecordedLaunches implements LaunchRecording {
    private record Launch(Kernel kernel, int groupsX, int groupsY, int groupSize, Object[] args) {
    }

    private final Device device;
    private final List<Launch> launches = new ArrayList<>();

    public RecordedLaunches(Device device) {
        this.device = device;
    }

    /** Adds a launch, its arguments copied as they are now. */
    public void add(Kernel kernel, int groupsX, int groupsY, int groupSize, Object... args) {
        launches.add(new Launch(kernel, groupsX, groupsY, groupSize, args.clone()));
    }

    @Override
    public void replay() {
        for (Launch l : launches) {
            device.launch(l.kernel, l.groupsX, l.groupsY, l.groupSize, l.args);
        }
    }

    @Override
    public void close() {
        launches.clear();
    }
}
