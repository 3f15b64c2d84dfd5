import Foundation
import HTTPTypes
import Hummingbird
import PetrelObjects

extension ObjectRoutes {
    func putCORS(_ bucket: String, _ c: S3Context) async throws -> Response {
        guard let body = try await xmlBody(c) else { throw S3Error.malformedXML() }
        try objects.setCORS(bucket, try CORSConfiguration.parse(body))
        return Response(status: .ok, headers: [.contentLength: "0"])
    }

    func getCORS(_ bucket: String) throws -> Response {
        guard let configuration = try objects.bucket(bucket).cors else {
            throw S3Error("NoSuchCORSConfiguration", status: 404, "The CORS configuration does not exist", fields: [("BucketName", bucket)])
        }
        return S3Reply.xml(configuration.xml)
    }

    func deleteCORS(_ bucket: String) throws -> Response {
        try objects.setCORS(bucket, nil)
        return Response(status: .noContent)
    }

    /// A browser's preflight (`OPTIONS` with Origin and Access-Control-Request-Method), answered from the bucket's rules.
    func preflight(_ bucket: String, _ c: S3Context) throws -> Response {
        guard let origin = c.header("origin"), let method = c.header("access-control-request-method") else {
            throw S3Error("BadRequest", status: 400, "Insufficient information. Origin request header needed.")
        }
        guard let configuration = try objects.bucket(bucket).cors else {
            throw S3Error("AccessForbidden", status: 403, "CORSResponse: CORS is not enabled for this bucket.",
                          fields: [("Method", method), ("ResourceType", "OBJECT")])
        }
        let requested = (c.header("access-control-request-headers") ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let rule = configuration.match(origin: origin, method: method, requestHeaders: requested) else {
            throw S3Error("AccessForbidden", status: 403,
                          "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
                          fields: [("Method", method), ("ResourceType", "OBJECT")])
        }
        var headers = Self.corsHeaders(rule, origin: origin)
        headers[.accessControlAllowMethods] = rule.allowedMethods.joined(separator: ", ")
        if !requested.isEmpty { headers[.accessControlAllowHeaders] = requested.joined(separator: ", ") }
        if let age = rule.maxAgeSeconds { headers[.accessControlMaxAge] = String(age) }
        headers[.contentLength] = "0"
        return Response(status: .ok, headers: headers)
    }

    static func corsHeaders(_ rule: CORSConfiguration.Rule, origin: String) -> HTTPFields {
        var headers: HTTPFields = [.vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"]
        if rule.allowedOrigins.contains("*") {
            headers[.accessControlAllowOrigin] = "*"
        } else {
            headers[.accessControlAllowOrigin] = origin
            headers[.accessControlAllowCredentials] = "true"
        }
        if !rule.exposeHeaders.isEmpty { headers[.accessControlExposeHeaders] = rule.exposeHeaders.joined(separator: ", ") }
        return headers
    }

    /// The CORS headers of an actual request from a browser, when the bucket's rules allow it.
    func addingCORS(_ response: Response, bucket: String, request: Request) -> Response {
        guard let origin = request.headers[.origin], let configuration = try? objects.bucket(bucket).cors,
              let rule = configuration.match(origin: origin, method: request.method.rawValue) else { return response }
        var response = response
        for field in Self.corsHeaders(rule, origin: origin) { response.headers[field.name] = field.value }
        return response
    }
}
