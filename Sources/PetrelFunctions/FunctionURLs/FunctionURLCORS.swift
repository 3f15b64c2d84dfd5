/// A function URL's CORS answers, from its `Cors` settings. Pure.
public enum FunctionURLCORS {
    /// Whether `origin` is one the settings allow (`*`, or the origin itself, case-insensitively).
    public static func allows(_ origin: String, _ cors: FunctionURLCors) -> Bool {
        (cors.AllowOrigins ?? []).contains { $0 == "*" || $0.caseInsensitiveCompare(origin) == .orderedSame }
    }

    /// The answer to a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`),
    /// given without invoking the function; no CORS headers when the origin is not allowed.
    public static func preflight(origin: String, cors: FunctionURLCors) -> [(name: String, value: String)] {
        guard allows(origin, cors) else { return [] }
        var headers = originHeaders(origin: origin, cors: cors)
        if let methods = cors.AllowMethods, !methods.isEmpty {
            headers.append(("Access-Control-Allow-Methods", methods.map { $0.uppercased() }.joined(separator: ", ")))
        }
        if let allowed = cors.AllowHeaders, !allowed.isEmpty {
            headers.append(("Access-Control-Allow-Headers", allowed.joined(separator: ", ")))
        }
        if let maxAge = cors.MaxAge { headers.append(("Access-Control-Max-Age", String(maxAge))) }
        return headers
    }

    /// The headers added to a response to a cross-origin request; they replace any CORS headers
    /// the function set, as AWS's do.
    public static func responseHeaders(origin: String, cors: FunctionURLCors) -> [(name: String, value: String)] {
        guard allows(origin, cors) else { return [] }
        var headers = originHeaders(origin: origin, cors: cors)
        if let exposed = cors.ExposeHeaders, !exposed.isEmpty {
            headers.append(("Access-Control-Expose-Headers", exposed.joined(separator: ", ")))
        }
        return headers
    }

    static func originHeaders(origin: String, cors: FunctionURLCors) -> [(name: String, value: String)] {
        let wildcard = (cors.AllowOrigins ?? []).contains("*") && cors.AllowCredentials != true
        var headers: [(name: String, value: String)] = [("Access-Control-Allow-Origin", wildcard ? "*" : origin)]
        if !wildcard { headers.append(("Vary", "Origin")) }
        if cors.AllowCredentials == true { headers.append(("Access-Control-Allow-Credentials", "true")) }
        return headers
    }

    public static func isCORSHeader(_ name: String) -> Bool {
        name.lowercased().hasPrefix("access-control-")
    }
}
