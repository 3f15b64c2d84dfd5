/// Names the Lambda operation a request is for, from botocore's routes (the table is generated
/// into LambdaOperationNames.swift): an operation Petrel does not serve is then refused by its
/// name, not by its path. Pure.
public enum LambdaOperationNames {
    /// The operation `method path` (with `queryKeys` present) is, or nil when it is none of Lambda's.
    public static func operation(method: String, path: String, queryKeys: Set<String> = []) -> String? {
        let segments = path.split(separator: "/")
        var fallback: String?
        for route in routes where route.method == method {
            let template = route.template.split(separator: "/")
            guard template.count == segments.count,
                  zip(template, segments).allSatisfy({ $0.hasPrefix("{") || $0 == $1 }) else { continue }
            if route.query.isEmpty {
                fallback = fallback ?? route.operation
            } else if queryKeys.contains(route.query) {
                return route.operation
            }
        }
        return fallback
    }

    /// True when `path` starts with one of the API versions Lambda's routes use (`/2015-03-31/`…).
    public static func isLambdaPath(_ path: String) -> Bool {
        guard let first = path.split(separator: "/").first else { return false }
        return versions.contains(String(first))
    }

    static let versions: Set<String> = Set(routes.compactMap { $0.template.split(separator: "/").first.map(String.init) })

    /// The error for a Lambda operation Petrel does not serve (or a path that is none).
    public static func unsupportedMessage(method: String, path: String, queryKeys: Set<String> = []) -> String {
        if let name = operation(method: method, path: path, queryKeys: queryKeys) {
            return "\(name) is not supported by Petrel yet; see docs/compatibility.md"
        }
        return "No Lambda operation at \(method) \(path); see docs/compatibility.md for the operations Petrel serves."
    }
}
