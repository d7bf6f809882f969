import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// A response of the observability endpoint.
public struct HTTPReply: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]

    public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    public init(status: Int, text: String) { self.init(status: status, body: Array(text.utf8)) }
}

/// A small HTTP/1.1 server (SwiftNIO) for /metrics and /healthz. GET and HEAD only; keep-alive.
/// Binds with SO_REUSEADDR so a restarted daemon binds its port again at once.
public struct HTTPEndpoint: Sendable {
    public typealias Responder = @Sendable (_ method: HTTPMethod, _ path: String) -> HTTPReply

    public var host: String
    public var port: Int
    let responder: Responder

    public init(host: String, port: Int, responder: @escaping Responder) {
        self.host = host
        self.port = port
        self.responder = responder
    }

    /// The /metrics and /healthz routes over the daemon's metrics and health.
    public static func observability(metrics: DaemonMetrics, health: HealthState) -> Responder {
        { method, path in
            let route = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
            guard method == .GET || method == .HEAD else { return HTTPReply(status: 405, text: "method not allowed\n") }
            switch route {
            case "/metrics":
                return HTTPReply(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.exposition())
            case "/healthz":
                let r = health.report()
                return HTTPReply(status: r.status, text: r.body)
            default:
                return HTTPReply(status: 404, text: "not found; try /metrics or /healthz\n")
            }
        }
    }

    /// Binds and starts serving; the caller closes the returned server.
    public func start(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> BoundHTTPServer {
        let responder = self.responder
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1024)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(HTTPResponderHandler(responder: responder))
                }
            }
            .bind(host: host, port: port)
            .get()
        return BoundHTTPServer(channel: channel)
    }
}

/// A listening endpoint; `close()` stops accepting and closes the socket.
public struct BoundHTTPServer: Sendable {
    let channel: any Channel

    /// The bound port (useful with port 0).
    public var port: Int? { channel.localAddress?.port }

    public func close() async {
        try? await channel.close()
    }
}

/// The endpoint as a lifecycle service: serves until graceful shutdown.
public struct ObservabilityService: Service {
    let endpoint: HTTPEndpoint
    let logger: Logger

    public init(endpoint: HTTPEndpoint, logger: Logger) {
        self.endpoint = endpoint
        self.logger = logger
    }

    public func run() async throws {
        let server = try await endpoint.start()
        logger.info("serving /metrics and /healthz", metadata: ["listen": "\(endpoint.host):\(server.port ?? endpoint.port)"])
        try? await gracefulShutdown()
        await server.close()
    }
}

final class HTTPResponderHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let responder: HTTPEndpoint.Responder
    private var head: HTTPRequestHead?

    init(responder: @escaping HTTPEndpoint.Responder) { self.responder = responder }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
        case .body:
            break
        case .end:
            guard let request = head else { return }
            head = nil
            let reply = responder(request.method, request.uri)
            let keepAlive = request.isKeepAlive
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: reply.contentType)
            headers.add(name: "Content-Length", value: "\(reply.body.count)")
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            let status = HTTPResponseStatus(statusCode: reply.status)
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
            if request.method != .HEAD {
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: reply.body)))), promise: nil)
            }
            let done = context.writeAndFlushPromise()
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
            if !keepAlive {
                let ctx = NIOLoopBound(context, eventLoop: context.eventLoop)
                done.futureResult.whenComplete { _ in ctx.value.close(promise: nil) }
            }
        }
    }
}

extension ChannelHandlerContext {
    fileprivate func writeAndFlushPromise() -> EventLoopPromise<Void> { eventLoop.makePromise() }
}
