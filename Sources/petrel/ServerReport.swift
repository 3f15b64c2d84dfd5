import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A report the running server serves as JSON under `/_petrel/…` (`petrel usage`, `petrel iam
/// audit`): fetched, and either printed as it came (`--json`) or handed back as an object.
enum ServerReport {
    /// The body of `GET endpoint + path`, or an error that says no server answers there.
    static func fetch(_ endpoint: String, path: String, query: [URLQueryItem] = []) async throws -> Data {
        var components = URLComponents(string: endpoint + path)
        if !query.isEmpty { components?.queryItems = query }
        guard let url = components?.url else { throw ValidationError("Not a URL: \(endpoint)") }
        do {
            return try await URLSession.shared.data(from: url).0
        } catch {
            throw ValidationError("No Petrel server answers at \(endpoint): start one with `petrel serve`.")
        }
    }

    /// The body as a JSON object, or an error that says the endpoint is not a Petrel server.
    static func object(_ data: Data, from endpoint: String) throws -> [String: Any] {
        guard let report = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ValidationError("\(endpoint) did not answer like a Petrel server.")
        }
        return report
    }
}
