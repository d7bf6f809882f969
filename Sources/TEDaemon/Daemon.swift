import Logging
import ServiceLifecycle
import TECore
import TEPolicy
import UnixSignals

/// Assembles and runs `tectl run`: the controller and the /metrics + /healthz endpoint as one
/// service group. SIGTERM and SIGINT stop gracefully; SIGHUP asks the controller to reload.
public enum Daemon {
    public enum StartError: Error, CustomStringConvertible {
        case badListen(String)
        public var description: String {
            switch self {
            case .badListen(let s): "control.listen \"\(s)\" is not host:port"
            }
        }
    }

    public static func run(
        policy: LoadedPolicy,
        options: ControllerOptions,
        inputs: any InputSource,
        programmer: any RouteProgrammer,
        engine: any PlanEngine = HeadroomPlanEngine(),
        logger: Logger
    ) async throws {
        let listen = policy.policy.control.listen
        guard let address = HostPort(listen) else { throw StartError.badListen(listen) }
        let metrics = DaemonMetrics()
        let health = HealthState()
        let (reloads, reloadContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let controller = Controller(
            policy: policy, options: options, inputs: inputs, programmer: programmer, engine: engine,
            metrics: metrics, health: health, reloadRequests: reloads, logger: logger
        )
        let endpoint = HTTPEndpoint(host: address.host, port: address.port, responder: HTTPEndpoint.observability(metrics: metrics, health: health))
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [ObservabilityService(endpoint: endpoint, logger: logger), controller],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                for await _ in hangups {
                    logger.info("SIGHUP: reloading the policy")
                    reloadContinuation.yield()
                }
            }
            tasks.addTask {
                defer { reloadContinuation.finish() }
                try await group.run()
            }
            try await tasks.next()
            tasks.cancelAll()
        }
    }
}
