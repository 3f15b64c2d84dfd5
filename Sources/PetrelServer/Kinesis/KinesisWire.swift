import Foundation
import Hummingbird
import NIOCore
import PetrelCore
import PetrelKinesis
import PetrelWire

/// The encoding of one Kinesis request and its answer, chosen by the request's content type:
/// AWS JSON 1.1 (botocore, the CLI, the JavaScript SDK), or AWS CBOR 1.1
/// (`application/x-amz-cbor-1.1`, the Java SDK's and the KCL's default). Both carry the same
/// shapes; the service sees the JSON 1.1 value either way.
enum KinesisWire: Sendable {
    case json
    case cbor

    init(contentType: String?) {
        let type = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        self = type?.hasPrefix("application/x-amz-cbor") == true ? .cbor : .json
    }

    /// The request's members; an empty body is an empty object.
    func decode(_ body: Data) throws -> JSONValue {
        guard !body.isEmpty else { return .object([:]) }
        let input: JSONValue
        switch self {
        case .json:
            do { input = try JSONDecoder().decode(JSONValue.self, from: body) } catch {
                throw AWSError.serialization("The request body is not valid JSON.")
            }
        case .cbor:
            do { input = try CBOR.decode(body).awsJSONValue() } catch {
                throw AWSError.serialization("The request body is not valid CBOR: \(error).")
            }
        }
        guard case .object = input else {
            throw AWSError.serialization(self == .json ? "The request body must be a JSON object." : "The request body must be a CBOR map.")
        }
        return input
    }

    func answer(_ output: JSONValue) throws -> Response {
        let body: Data
        let contentType: String
        switch self {
        case .json:
            body = try JSONEncoder().encode(output)
            contentType = WireProtocol.json11.contentType
        case .cbor:
            body = CBOR(awsJSON: output, blobs: KinesisShapes.blobMembers, timestamps: KinesisShapes.timestampMembers).encoded()
            contentType = WireProtocol.cbor11ContentType
        }
        return Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    func answer(_ error: AWSError) -> Response {
        switch self {
        case .json: Response.wire(WireProtocol.json11.render(error))
        case .cbor: Response.wire(WireProtocol.renderCBOR11(error))
        }
    }
}
