import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP response: status and body.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// Why an HTTP GET failed, worded for a feed status message.
public enum HTTPGetError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String)
    case unsupportedScheme(String)
    case connect(String)
    case timedOut(Duration)
    case tooLarge(Int)
    case closedEarly

    public var description: String {
        switch self {
        case .invalidURL(let u): return "invalid URL \(u)"
        case .unsupportedScheme(let s): return "\(s):// is not supported (plain http only; put a local proxy in front of TLS endpoints)"
        case .connect(let why): return "unreachable: \(why)"
        case .timedOut(let d): return "no answer within \(d.formatted())"
        case .tooLarge(let n): return "response larger than \(n) bytes"
        case .closedEarly: return "connection closed before the response ended"
        }
    }
}

extension Duration {
    /// `2s`, `250ms`: the policy's spelling.
    func formatted() -> String {
        let ms = Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
        if ms >= 1000, ms.truncatingRemainder(dividingBy: 1000) == 0 { return "\(Int(ms / 1000))s" }
        return ms == ms.rounded() ? "\(Int(ms))ms" : "\(ms)ms"
    }
}

/// A minimal HTTP/1.1 GET over SwiftNIO with one deadline for connect, request and response.
/// It runs on NIO's event loops, so a slow or silent server never blocks the caller's thread.
public enum HTTPGet {
    /// Parsed `http://host[:port]/path?query`.
    public struct Target: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var pathAndQuery: String

        public init(url: String) throws(HTTPGetError) {
            guard let schemeEnd = url.range(of: "://") else { throw .invalidURL(url) }
            let scheme = url[..<schemeEnd.lowerBound].lowercased()
            guard scheme == "http" else { throw .unsupportedScheme(scheme) }
            let rest = url[schemeEnd.upperBound...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" }
            var path = String(rest.dropFirst(authority.count))
            if path.isEmpty { path = "/" } else if path.first == "?" { path = "/" + path }
            var host = String(authority)
            var port = 80
            if host.hasPrefix("[") {
                guard let close = host.firstIndex(of: "]") else { throw .invalidURL(url) }
                let after = host[host.index(after: close)...]
                if after.hasPrefix(":") {
                    guard let p = Int(after.dropFirst()) else { throw .invalidURL(url) }
                    port = p
                }
                host = String(host[host.index(after: host.startIndex)..<close])
            } else if let colon = host.lastIndex(of: ":") {
                guard let p = Int(host[host.index(after: colon)...]) else { throw .invalidURL(url) }
                port = p
                host = String(host[..<colon])
            }
            guard !host.isEmpty, (1...65535).contains(port) else { throw .invalidURL(url) }
            self.host = host
            self.port = port
            self.pathAndQuery = path
        }
    }

    /// Largest body accepted (a dcgm-exporter page for 8 GPUs is ~100 KiB).
    public static let maxBodyBytes = 16 << 20

    public static func get(_ url: String, timeout: Duration, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> HTTPResponse {
        let target = try Target(url: url)
        let nanos = Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        let deadline = TimeAmount.nanoseconds(max(1, nanos))
        let loop = group.next()
        let promise = loop.makePromise(of: HTTPResponse.self)
        let timer = loop.scheduleTask(in: deadline) { promise.fail(HTTPGetError.timedOut(timeout)) }
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(deadline)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise, limit: maxBodyBytes))
                }
            }
        bootstrap.connect(host: target.host, port: target.port).whenComplete { result in
            switch result {
            case .failure(let error):
                promise.fail(HTTPGetError.connect(describe(error)))
            case .success(let channel):
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target.pathAndQuery)
                let hostHeader = target.host.contains(":") ? "[\(target.host)]:\(target.port)" : "\(target.host):\(target.port)"
                head.headers.add(name: "Host", value: hostHeader)
                head.headers.add(name: "User-Agent", value: "tectl")
                head.headers.add(name: "Accept", value: "text/plain;version=0.0.4, application/json;q=0.9, */*;q=0.1")
                head.headers.add(name: "Connection", value: "close")
                channel.write(HTTPClientRequestPart.head(head), promise: nil)
                channel.writeAndFlush(HTTPClientRequestPart.end(nil)).whenFailure { error in
                    promise.fail(HTTPGetError.connect(describe(error)))
                }
            }
        }
        defer { timer.cancel() }
        return try await promise.futureResult.get()
    }

    static func describe(_ error: Error) -> String {
        if let e = error as? IOError { return String(cString: strerror(e.errnoCode)) }
        if let e = error as? ChannelError, case .connectTimeout = e { return "connect timed out" }
        if let e = error as? NIOConnectionError {
            if let first = e.connectionErrors.first { return describe(first.error) }
            return "cannot connect to \(e.host):\(e.port)"
        }
        return "\(error)"
    }
}

/// Collects one response; fails the promise if the connection ends first.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<HTTPResponse>
    private let limit: Int
    private var status = 0
    private var body: [UInt8] = []

    init(promise: EventLoopPromise<HTTPResponse>, limit: Int) {
        self.promise = promise
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(let buffer):
            if body.count + buffer.readableBytes > limit {
                promise.fail(HTTPGetError.tooLarge(limit))
                context.close(promise: nil)
                return
            }
            body.append(contentsOf: buffer.readableBytesView)
        case .end:
            promise.succeed(HTTPResponse(status: status, body: body))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(HTTPGetError.closedEarly)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        promise.fail(HTTPGetError.connect(HTTPGet.describe(error)))
        context.close(promise: nil)
    }
}
