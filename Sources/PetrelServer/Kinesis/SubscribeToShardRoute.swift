import Foundation
import Hummingbird
import NIOCore
import PetrelCore
import PetrelKinesis
import PetrelWire

/// SubscribeToShard's answer: an event stream (`application/vnd.amazon.eventstream`) written as
/// the subscription runs: `initial-response`, then `SubscribeToShardEvent` events; an error
/// after the stream started is an exception message (`:message-type exception`), as AWS sends.
/// Over HTTP/1.1 with a streamed body, which botocore reads.
extension KinesisRoutes {
    static let eventStreamContentType = "application/vnd.amazon.eventstream"

    func subscribeToShardResponse(_ subscription: ShardSubscription) -> Response {
        let service = self.service
        return Response(status: .ok, headers: [.contentType: Self.eventStreamContentType], body: ResponseBody { writer in
            try await writer.write(Self.initialResponse)
            try await service.run(subscription) { event in
                try await writer.write(ByteBuffer(bytes: Self.message(event).encoded()))
            }
            try await writer.finish(nil)
        })
    }

    static let initialResponse = ByteBuffer(bytes: EventStreamMessage.event("initial-response", contentType: "application/json",
                                                                            payload: Data("{}".utf8)).encoded())

    static func message(_ event: SubscriptionEvent) -> EventStreamMessage {
        switch event {
        case .records(let payload):
            let data = (try? JSONEncoder().encode(payload)) ?? Data("{}".utf8)
            return .event("SubscribeToShardEvent", contentType: "application/json", payload: data)
        case .failure(let error):
            let data = (try? JSONEncoder().encode(JSONValue.object(["message": .string(error.message)]))) ?? Data("{}".utf8)
            return EventStreamMessage(headers: [(":exception-type", error.code), (":content-type", "application/json"),
                                                (":message-type", "exception")], payload: data)
        }
    }
}
