import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTP1

/// Limits on every connection to Petrel's public port, whatever the route.
enum ConnectionLimits {
    /// A connection is closed after this long without a byte from the client while it has no
    /// request in progress or is still sending one (the idle timeout of AWS's own load
    /// balancers): it ends a client that stops mid-head or mid-body, and idle keep-alives.
    static let idleTimeout: TimeAmount = .seconds(60)
    /// Request heads: 80 KB in all and 500 header fields (AWS's front ends refuse less).
    static let decoder = HTTP1Channel.Configuration.DecoderConfiguration(
        maxHeaderFieldSize: 80 * 1024, maxHeaderListSize: 80 * 1024, maxHeaderFieldCount: 500)

    /// Connections the kernel may hold before Petrel accepts them. With the default of 256 a
    /// burst of thousands of connections overflows the queue and clients wait out SYN retries
    /// (1, 3, 7… s); the kernel caps it at net.core.somaxconn in any case.
    static let backlog = 4096

    static var http1: HTTP1Channel.Configuration {
        HTTP1Channel.Configuration(additionalChannelHandlers: [CloseAfterParseError(), ExpectContinue()], idleTimeout: idleTimeout,
                                   httpDecoderConfiguration: decoder)
    }
}

/// After bytes that are not HTTP, Hummingbird answers 400 and half-closes, then waits for the
/// client to close. A client still sending (a 10 MB request line, say) is never read again, so
/// it blocks, and so would the connection forever. This handler closes the connection outright
/// shortly after the 400 has been written.
final class CloseAfterParseError: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    // Parts pass through untouched; only errors are looked at.
    typealias InboundIn = NIOAny

    static let grace: TimeAmount = .milliseconds(200)

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: Self.grace) {
                loopBound.value.close(promise: nil)
            }
        }
        context.fireErrorCaught(error)
    }
}
