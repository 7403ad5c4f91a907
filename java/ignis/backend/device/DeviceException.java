package ignis.backend.device;

import ignis.IgnisException;

/** A device API call failed; the message names the device, the call and the API's error code. */
public class DeviceException extends IgnisException {
    public DeviceException(String message) {
        super(message);
    }

    public DeviceException(String message, Throwable cause) {
        super(message, cause);
    }
}
