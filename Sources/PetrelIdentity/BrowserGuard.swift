/// Refuses what a web page the user happens to visit could make a browser send to Petrel:
/// requests from another origin (their `Origin` is neither the address they are sent to nor a
/// page served from this machine), and,
/// on a loopback address, browser requests whose `Host` is not a loopback name (DNS
/// rebinding: a hostile name resolved to 127.0.0.1). A request is a browser's when it carries
/// `Origin` or the `Sec-Fetch-*` headers (which pages cannot set or remove), or a `Mozilla/`
/// user agent; the SDKs, the CLI and curl send none of these, whatever `Host` they name.
public enum BrowserGuard {
    /// Why the request is refused; nil when it may go on.
    /// `signaturesRequired`: with `--iam enforce` every request must be signed by a known key,
    /// so a page of another origin can do nothing its user has not given it keys for: other
    /// origins are then served with CORS (as DynamoDB serves browser apps); in `audit` and
    /// `off` an unsigned page would act as the account's root, so they are refused.
    public static func refusal(host: String?, origin: String?, boundToLoopback: Bool, fromBrowser: Bool = true,
                               signaturesRequired: Bool = false) -> String? {
        if boundToLoopback, fromBrowser || origin != nil, let host, !isLoopbackName(hostName(host)) {
            return "Host '\(host)' is not an address this Petrel serves (it listens on loopback only); refused to prevent DNS rebinding."
        }
        if let origin, !signaturesRequired {
            // The console's own origin, and pages served from this machine (a developer's app
            // on localhost:3000 calling DynamoDB with the browser SDK, as DynamoDB's CORS allows).
            let sameOrigin = host.map { origin == "http://" + $0 || origin == "https://" + $0 } ?? false
            guard sameOrigin || isLoopbackOrigin(origin) else {
                return "Requests from the web origin '\(origin)' are refused: only Petrel's own console (\(host.map { "http://" + $0 } ?? "its own origin")) and pages served from this machine may call it from a browser."
            }
        }
        return nil
    }

    /// Whether the request shows a browser's marks.
    public static func isBrowser(userAgent: String?, secFetchSite: String?, secFetchMode: String?) -> Bool {
        secFetchSite != nil || secFetchMode != nil || (userAgent?.hasPrefix("Mozilla/") ?? false)
    }

    /// `http://localhost:3000`, `http://127.0.0.1:8080`, `https://[::1]`.
    static func isLoopbackOrigin(_ origin: String) -> Bool {
        for scheme in ["http://", "https://"] where origin.hasPrefix(scheme) {
            return isLoopbackName(hostName(String(origin.dropFirst(scheme.count))))
        }
        return false
    }

    /// `127.0.0.1:4566` → `127.0.0.1`; `[::1]:4566` → `::1`.
    static func hostName(_ host: String) -> String {
        if host.hasPrefix("[") { return String(host.dropFirst().prefix { $0 != "]" }) }
        return String(host.prefix { $0 != ":" })
    }

    static func isLoopbackName(_ name: String) -> Bool {
        let lower = name.lowercased()
        if lower == "localhost" || lower.hasSuffix(".localhost") || lower == "::1" { return true }
        let parts = lower.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
