package ignis.model;

/** Hears model loading progress, one call per transformer block checked and ready. */
@FunctionalInterface
public interface LoadListener {
    void blocksLoaded(int done, int total);

    LoadListener NONE = (done, total) -> { };
}
