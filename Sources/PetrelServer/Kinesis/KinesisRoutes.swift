import Foundation
import Hummingbird
import NIOCore
import PetrelCore
import PetrelKinesis
import PetrelWire

/// Kinesis Data Streams in AWS JSON 1.1 (`X-Amz-Target: Kinesis_20131202.Operation`). Parses,
/// calls `KinesisService`, renders; errors as JSON 1.1 (`__type` is the modelled shape name).
struct KinesisRoutes: Sendable {
    let service: KinesisService
    let internalErrors: InternalErrors

    static let targetPrefix = "Kinesis_20131202."
    /// PutRecords' 5 MiB of data, base64 (4/3) plus JSON around it.
    static let maxBody = 8 * 1024 * 1024

    func respond(_ request: Request, operation: String, account: Account) async -> Response {
        do {
            let body = try await request.readBody(upTo: Self.maxBody)
            var input = JSONValue.object([:])
            if body.readableBytes > 0 {
                do {
                    input = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))
                } catch {
                    throw AWSError.serialization("The request body is not valid JSON.")
                }
            }
            guard case .object = input else { throw AWSError.serialization("The request body must be a JSON object.") }
            if operation == "SubscribeToShard" {
                let subscription = try service.subscribeToShard(KinesisInput(input), context: KinesisRequestContext(account: account.id, region: account.region))
                return subscribeToShardResponse(subscription)
            }
            let output = try await service.handle(operation, KinesisInput(input),
                                                  context: KinesisRequestContext(account: account.id, region: account.region))
            let data = try JSONEncoder().encode(output)
            return Response(status: .ok, headers: [.contentType: WireProtocol.json11.contentType], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        } catch {
            return Response.wire(WireProtocol.json11.render(awsError(error, operation: operation)))
        }
    }

    func awsError(_ error: any Error, operation: String) -> AWSError {
        switch error {
        case let error as AWSError: return error
        case let error as RequestBodyError:
            return error.awsError { KinesisError.invalidArgument("The request is larger than \($0) bytes; a PutRecords request holds at most 5 MiB of records.") }
        default:
            return internalErrors.answer(error, code: "InternalFailureException", context: "kinesis:\(operation)")
        }
    }
}
