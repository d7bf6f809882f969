import Testing
@testable import TEEmit

@Suite struct LinkBandwidthScalerTests {
    @Test func fortyTenTenGivesFourOneOneWithinTheReceiversFloor() throws {
        let a = try #require(LinkBandwidthScaler.assign([40, 10, 10]))
        #expect(a.bandwidthMbps.allSatisfy { LinkBandwidthScaler.range.contains($0) })
        #expect(a.receiverWeights == LinkBandwidthScaler.receiverWeights(a.bandwidthMbps))
        // The receiver's weights sum to 98...100, so 4:1:1 exactly (a multiple of 6) is out of
        // reach; the best has a 2% ratio error on one member at most.
        #expect(a.maxRatioError < 0.021)
        #expect(a.receiverWeights[1] == a.receiverWeights[2])
        #expect(a.receiverWeights[0] >= 4 * a.receiverWeights[1] - 2 && a.receiverWeights[0] <= 4 * a.receiverWeights[1] + 2)
    }

    @Test func evenSplitsAreExact() throws {
        for n in [1, 2, 4, 5, 10, 20] {
            let a = try #require(LinkBandwidthScaler.assign(Array(repeating: 7, count: n)))
            #expect(a.maxRatioError < 1e-12, "n=\(n): \(a.receiverWeights)")
        }
    }

    @Test(arguments: [
        [9.0, 4, 9], [1, 1, 1], [3, 1], [100, 25], [1, 2, 3, 4, 5, 6, 7], [255, 1], [0.5, 0.25, 0.25],
        [400, 160, 360], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 97],
    ])
    func assignmentIsConsistentAndNoWorseThanNaiveScaling(_ targets: [Double]) throws {
        let a = try #require(LinkBandwidthScaler.assign(targets))
        #expect(a.bandwidthMbps.count == targets.count)
        #expect(a.bandwidthMbps.allSatisfy { LinkBandwidthScaler.range.contains($0) })
        #expect(a.receiverWeights == LinkBandwidthScaler.receiverWeights(a.bandwidthMbps))
        #expect(a.receiverWeights.allSatisfy { $0 >= 1 })
        #expect(abs(a.maxRatioError - LinkBandwidthScaler.maxRatioError(a.receiverWeights, targets: targets)) < 1e-12)
        // Naive: scale the largest target to 25600 and round, as one would by hand.
        let top = targets.max() ?? 1
        let naive = targets.map { max(1, Int(($0 / top * 25600).rounded())) }
        let naiveWeights = LinkBandwidthScaler.receiverWeights(naive)
        // A receiver weight of 0 is no weighted path at all; only a valid naive result compares.
        guard naiveWeights.allSatisfy({ $0 >= 1 }) else { return }
        let naiveError = LinkBandwidthScaler.maxRatioError(naiveWeights, targets: targets)
        #expect(a.maxRatioError <= naiveError + 1e-12, "ours \(a.receiverWeights) \(a.maxRatioError), naive \(naive) \(naiveError)")
    }

    @Test func exhaustiveSearchFindsNothingBetterForThreeMembers() throws {
        // All receiver weight vectors reachable by floor(100·b/Σb) for b in a small range.
        let targets = [40.0, 10, 10]
        let a = try #require(LinkBandwidthScaler.assign(targets))
        var best = Double.infinity
        for x in 1...60 { for y in 1...30 { for z in 1...30 {
            let w = LinkBandwidthScaler.receiverWeights([x, y, z])
            guard w.allSatisfy({ $0 > 0 }) else { continue }
            best = min(best, LinkBandwidthScaler.maxRatioError(w, targets: targets))
        } } }
        #expect(a.maxRatioError <= best + 1e-12)
    }

    @Test func refusesWhatTheReceiverCannotWeigh() {
        #expect(LinkBandwidthScaler.assign([]) == nil)
        #expect(LinkBandwidthScaler.assign([1, 0]) == nil)
        #expect(LinkBandwidthScaler.assign(Array(repeating: 1, count: 101)) == nil)
        #expect(LinkBandwidthScaler.assign(Array(repeating: 1, count: 100)) != nil)
    }
}
