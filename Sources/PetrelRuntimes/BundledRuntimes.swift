import Foundation

/// Petrel's own runtimes, shipped as this target's resources: `Runtimes/nodejs` (the Node.js
/// bootstrap and the built-in `aws-sdk`) and `Runtimes/python` (the Python runtime). Both speak
/// the Runtime API with Petrel's extensions (docs/runtime-protocol.md).
public enum BundledRuntimes {
    /// The folder holding `nodejs/` and `python/`.
    public static var directory: URL {
        guard let url = Bundle.module.url(forResource: "Runtimes", withExtension: nil) else {
            fatalError("Petrel's runtimes are missing from its resource bundle: rebuild with `swift build`")
        }
        return url
    }
}
