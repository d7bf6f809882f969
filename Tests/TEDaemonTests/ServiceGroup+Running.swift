import ServiceLifecycle

extension ServiceGroup {
    /// Runs the group while `body` runs, then stops it gracefully; an error of `body` is thrown
    /// after the group has stopped.
    nonisolated func running(_ body: () async throws -> Void) async throws {
        let task = Task { try await self.run() }
        do {
            try await body()
        } catch {
            await triggerGracefulShutdown()
            _ = try? await task.value
            throw error
        }
        await triggerGracefulShutdown()
        try await task.value
    }
}
