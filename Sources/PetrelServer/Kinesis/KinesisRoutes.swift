import Foundation
import Hummingbird
import NIOCore
import PetrelCore
import PetrelKinesis
import PetrelWire

/// Kinesis Data Streams in AWS JSON 1.1 or AWS CBOR 1.1 (`X-Amz-Target: Kinesis_20131202.Operation`;
/// `KinesisWire` picks the encoding by content type). Parses, calls `KinesisService`, renders;
/// errors in the request's encoding (`__type` is the modelled shape name).
struct KinesisRoutes: Sendable {
    let service: KinesisService
    let internalErrors: InternalErrors

    static let targetPrefix = "Kinesis_20131202."
    /// PutRecords' 5 MiB of data, base64 (4/3) plus JSON around it.
    static let maxBody = 8 * 1024 * 1024

    func respond(_ request: Request, operation: String, account: Account) async -> Response {
        let wire = KinesisWire(contentType: request.headers[.contentType])
        do {
            let body = try await request.readBody(upTo: Self.maxBody)
            let input = try wire.decode(Data(buffer: body))
            if operation == "SubscribeToShard" {
                let subscription = try service.subscribeToShard(KinesisInput(input), context: KinesisRequestContext(account: account.id, region: account.region))
                return subscribeToShardResponse(subscription)
            }
            let output = try await service.handle(operation, KinesisInput(input),
                                                  context: KinesisRequestContext(account: account.id, region: account.region))
            return try wire.answer(output)
        } catch {
            return wire.answer(awsError(error, operation: operation))
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
