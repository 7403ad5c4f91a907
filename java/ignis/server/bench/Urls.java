package ignis.server.bench;

import java.net.URI;

/** Endpoint addresses under a base URL, keeping any path prefix the base has ("http://h:8080/api"). */
final class Urls {
    private Urls() {
    }

    static URI join(URI base, String path) {
        String b = base.toString();
        while (b.endsWith("/")) {
            b = b.substring(0, b.length() - 1);
        }
        return URI.create(b + path);
    }
}
