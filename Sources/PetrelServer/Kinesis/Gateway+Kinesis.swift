import Hummingbird
import PetrelCore

extension Gateway {
    /// Kinesis's answer when the request's target is `Kinesis_20131202.*`; nil otherwise.
    func kinesisRoute(_ request: Request, target: String, account: Account) async -> Response? {
        guard target.hasPrefix(KinesisRoutes.targetPrefix) else { return nil }
        return await kinesis.respond(request, operation: String(target.dropFirst(KinesisRoutes.targetPrefix.count)), account: account)
    }
}
