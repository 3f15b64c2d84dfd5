import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PetrelCore
import PetrelIdentity
import PetrelWire

/// IAM and STS in the query protocol: form-encoded `Action=…&Version=…` in, XML out, with
/// shapes from botocore's `iam` and `sts` models.
struct IdentityRoutes: Sendable {
    let identities: IdentityStore
    let account: Account
    let audit: AuditLog
    let logger: Logger

    static let iamVersion = "2010-05-08"
    static let stsVersion = "2011-06-15"
    static let namespaces = ["iam": "https://iam.amazonaws.com/doc/2010-05-08/", "sts": "https://sts.amazonaws.com/doc/2011-06-15/"]

    /// Whether a request to `/` speaks the query protocol; its service from the credential
    /// scope when it is signed ("" when that is not known yet).
    static func queryService(_ request: Request) -> String? {
        let form = request.method == .post && (request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") ?? false)
        let query = request.uri.query ?? ""
        let inQuery = query.hasPrefix("Action=") || query.contains("&Action=")
        guard form || inQuery else { return nil }
        if let header = request.headers[.authorization], let credential = SigV4Credential(authorizationHeader: header) {
            return credential.service
        }
        if let credential = SigV4Canonical.queryPairs(query).first(where: { $0.name == "X-Amz-Credential" })?.value {
            let parts = credential.split(separator: "/")
            if parts.count == 5 { return String(parts[3]) }
        }
        return ""
    }

    /// `a=b&c=d` form pairs ('+' is a space).
    static func formPairs(_ body: [UInt8]) -> [(name: String, value: String)] {
        let text = String(decoding: body.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
        return SigV4Canonical.queryPairs(text)
    }

    func respond(to request: Request, service: String, caller: Caller) async -> Response {
        var parameters: [String: String] = [:]
        for (name, value) in SigV4Canonical.queryPairs(request.uri.query ?? "") { parameters[name] = value }
        do {
            let body = try await request.readBody(upTo: 1024 * 1024)
            for (name, value) in Self.formPairs(Array(body.readableBytesView)) { parameters[name] = value }
        } catch {
            return Self.errorResponse(error.awsError { _ in AWSError("ValidationError", status: 400, "The request body is larger than 1 MB.") },
                                      service: service)
        }
        var service = service
        if service.isEmpty {
            service = parameters["Version"] == Self.stsVersion ? "sts" : parameters["Version"] == Self.iamVersion ? "iam" : ""
        }
        let action = parameters["Action"] ?? ""
        guard service == "iam" || service == "sts" else {
            return UnservedService.response(service: service.isEmpty ? "unknown" : service, protocol: .query)
        }
        let input = QueryInput(parameters)
        do {
            let result: (inout XMLWriter) throws -> Void
            if service == "sts" {
                result = try sts(action, input, caller: caller)
            } else {
                result = try iam(action, input, caller: caller)
            }
            var xml = XMLWriter()
            try xml.open("\(action)Result", result)
            xml.open("ResponseMetadata") { $0.element("RequestId", UUID().uuidString.lowercased()) }
            let body = "<\(action)Response xmlns=\"\(Self.namespaces[service]!)\">\(xml.text)</\(action)Response>"
            return Response(status: .ok, headers: [.contentType: "text/xml"], body: .init(byteBuffer: ByteBuffer(string: body)))
        } catch let error as AWSError {
            return Self.errorResponse(error, service: service)
        } catch {
            logger.error("Internal error in \(service):\(action): \(String(reflecting: error))")
            return Self.errorResponse(AWSError("ServiceFailure", status: 500, "An internal error occurred. See the server log for details."), service: service)
        }
    }

    static func errorResponse(_ error: AWSError, service: String) -> Response {
        var xml = XMLWriter()
        xml.open("Error") { x in
            x.element("Type", error.isClientFault ? "Sender" : "Receiver")
            x.element("Code", error.code)
            x.element("Message", error.message)
        }
        xml.element("RequestId", UUID().uuidString.lowercased())
        let namespace = namespaces[service] ?? "https://\(service).amazonaws.com/doc/"
        let body = "<ErrorResponse xmlns=\"\(namespace)\">\(xml.text)</ErrorResponse>"
        return Response(status: .init(code: error.status), headers: [.contentType: "text/xml"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// The form's parameters, with the query protocol's list encoding (`Name.member.N`).
struct QueryInput {
    let values: [String: String]

    init(_ values: [String: String]) { self.values = values }

    subscript(_ name: String) -> String? { values[name] }

    func required(_ name: String) throws -> String {
        guard let value = values[name], !value.isEmpty else {
            let field = name.prefix(1).lowercased() + name.dropFirst()
            throw AWSError("ValidationError", status: 400, "1 validation error detected: Value null at '\(field)' failed to satisfy constraint: Member must not be null")
        }
        return value
    }

    func list(_ name: String) -> [String] {
        var out: [String] = []
        var i = 1
        while let value = values["\(name).member.\(i)"] { out.append(value); i += 1 }
        return out
    }

    /// `Tags.member.N.Key` / `.Value`.
    func tags(_ name: String = "Tags") -> [String: String] {
        var out: [String: String] = [:]
        var i = 1
        while let key = values["\(name).member.\(i).Key"] { out[key] = values["\(name).member.\(i).Value"] ?? ""; i += 1 }
        return out
    }

    func int(_ name: String) throws -> Int? {
        guard let text = values[name] else { return nil }
        guard let n = Int(text) else { throw AWSError("ValidationError", status: 400, "Value '\(text)' at '\(name)' is not a number.") }
        return n
    }
}
