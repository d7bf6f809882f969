import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Shared, lockable responder.
final class ResponderBox: Sendable {
    let mutex: Mutex<@Sendable (String) -> TestHTTPServer.Reply>
    init(_ f: @escaping @Sendable (String) -> TestHTTPServer.Reply) { mutex = Mutex(f) }
    func withLockedValue<T>(_ body: (inout @Sendable (String) -> TestHTTPServer.Reply) -> T) -> T { mutex.withLock { body(&$0) } }
}

/// A loopback HTTP/1.1 server for tests: each request path is answered by `respond`, which the
/// test may change at any time. `delay` holds the answer back (to test timeouts).
final class TestHTTPServer: Sendable {
    struct Reply: Sendable {
        var status: Int = 200
        var body: String
        var contentType = "text/plain; version=0.0.4; charset=utf-8"
        var delay: TimeAmount = .zero
    }

    private let channel: Channel
    private let handlerBox: ResponderBox
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(_ respond: @escaping @Sendable (String) -> Reply) async throws {
        let box = ResponderBox(respond)
        handlerBox = box
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Responder(box: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    func setResponder(_ respond: @escaping @Sendable (String) -> Reply) {
        handlerBox.withLockedValue { $0 = respond }
    }

    func shutdown() async {
        try? await channel.close()
    }

    private final class Responder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let box: ResponderBox
        var uri = "/"

        init(box: ResponderBox) { self.box = box }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): uri = head.uri
            case .body: break
            case .end:
                let reply = box.withLockedValue { $0 }(uri)
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                let send: @Sendable () -> Void = {
                    let context = loopBound.value
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: reply.contentType)
                    headers.add(name: "Content-Length", value: String(reply.body.utf8.count))
                    headers.add(name: "Connection", value: "close")
                    let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: reply.status), headers: headers)
                    context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
                    var buffer = context.channel.allocator.buffer(capacity: reply.body.utf8.count)
                    buffer.writeString(reply.body)
                    context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
                    context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in
                        loopBound.value.close(promise: nil)
                    }
                }
                if reply.delay > .zero {
                    context.eventLoop.scheduleTask(in: reply.delay) { send() }
                } else {
                    send()
                }
            }
        }
    }
}

/// A loopback TCP port that nothing listens on (bound, then closed).
func closedPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port ?? 1
    try await channel.close()
    return port
}
