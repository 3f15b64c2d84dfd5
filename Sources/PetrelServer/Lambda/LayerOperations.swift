import Foundation
import Hummingbird
import PetrelCore
import PetrelFunctions

/// PublishLayerVersion, GetLayerVersion(ByArn), ListLayers, ListLayerVersions, DeleteLayerVersion.
extension LambdaRoutes {
    struct PublishLayerVersionRequest: Decodable {
        struct Content: Decodable {
            var ZipFile: String?
            var S3Bucket: String?
            var S3Key: String?
            var S3ObjectVersion: String?
        }
        var Description: String?
        var Content: Content?
        var CompatibleRuntimes: [String]?
        var CompatibleArchitectures: [String]?
        var LicenseInfo: String?
    }

    func layerVersionShape(_ r: LayerVersionRecord, account: Account, withContent: Bool) -> [String: Any] {
        var shape: [String: Any] = [
            "LayerArn": r.layerArn(account), "LayerVersionArn": r.arn(account), "Version": r.version,
            "Description": r.description, "CreatedDate": FunctionConfiguration.timestamp(r.created),
            "CompatibleRuntimes": r.compatibleRuntimes, "CompatibleArchitectures": r.compatibleArchitectures,
        ]
        if let license = r.licenseInfo { shape["LicenseInfo"] = license }
        if withContent {
            shape["Content"] = ["Location": "\(endpoint)/_petrel/code/\(r.codeDigest).zip", "CodeSha256": r.codeSha256, "CodeSize": r.codeSize]
        }
        return shape
    }

    func layers(_ request: Request, segments: [String], account: Account) async throws -> Response {
        let query = request.uri.queryParameters
        switch (request.method, segments.count) {
        case (.get, 2) where query["find"] == "LayerVersion":
            guard let arn = query["Arn"].map(String.init) else { throw AWSError.invalidParameter("Arn is required.") }
            return Response.json(status: .ok, layerVersionShape(try layerRegistry.get(arn: arn, account: account), account: account, withContent: true))
        case (.get, 2):
            let runtime = query["CompatibleRuntime"].map(String.init)
            let limit = try maxItems(query["MaxItems"].map(String.init), default: 50)
            let all = try layerRegistry.latest(compatibleWith: runtime)
            let start = query["Marker"].flatMap { m in all.firstIndex { $0.name == String(m) }.map { $0 + 1 } } ?? 0
            let page = Array(all.dropFirst(start).prefix(limit))
            var out: [String: Any] = ["Layers": page.map { r in
                ["LayerName": r.name, "LayerArn": r.layerArn(account),
                 "LatestMatchingVersion": layerVersionShape(r, account: account, withContent: false)] as [String: Any]
            }]
            if start + page.count < all.count, let last = page.last { out["NextMarker"] = last.name }
            return Response.json(status: .ok, out)
        case (.post, 4) where segments[3] == "versions":
            let input = try await decode(PublishLayerVersionRequest.self, from: request)
            let zip = try functionCode(zipFile: input.Content?.ZipFile, s3Bucket: input.Content?.S3Bucket,
                                       s3Key: input.Content?.S3Key, s3ObjectVersion: input.Content?.S3ObjectVersion)
            let record = try layerRegistry.publish(name: segments[2], description: input.Description ?? "",
                                                   runtimes: input.CompatibleRuntimes ?? [], architectures: input.CompatibleArchitectures ?? [],
                                                   license: input.LicenseInfo, zip: zip)
            logger.info("Published layer \(record.name):\(record.version) (\(record.codeSize) bytes)")
            return Response.json(status: .created, layerVersionShape(record, account: account, withContent: true))
        case (.get, 4) where segments[3] == "versions":
            let versions = try layerRegistry.versions(name: segments[2])
            return Response.json(status: .ok, ["LayerVersions": versions.map { layerVersionShape($0, account: account, withContent: false) }])
        case (.get, 5) where segments[3] == "versions":
            guard let version = Int(segments[4]) else { throw AWSError.invalidParameter("VersionNumber must be a number.") }
            return Response.json(status: .ok, layerVersionShape(try layerRegistry.get(name: segments[2], version: version, account: account),
                                                                account: account, withContent: true))
        case (.delete, 5) where segments[3] == "versions":
            guard let version = Int(segments[4]) else { throw AWSError.invalidParameter("VersionNumber must be a number.") }
            try layerRegistry.delete(name: segments[2], version: version)
            return Response(status: .noContent)
        default:
            throw AWSError("UnknownOperationException", status: 404, "No Lambda operation at \(request.method) \(request.uri.path).")
        }
    }

    /// The function's layers with their sizes, as FunctionConfiguration shows them.
    func withLayerSizes(_ configuration: FunctionConfiguration, account: Account) -> FunctionConfiguration {
        guard let layers = configuration.Layers else { return configuration }
        var copy = configuration
        copy.Layers = layers.map { layer in
            LayerShape(Arn: layer.Arn, CodeSize: (try? layerRegistry.get(arn: layer.Arn, account: account).codeSize) ?? 0)
        }
        return copy
    }
}
