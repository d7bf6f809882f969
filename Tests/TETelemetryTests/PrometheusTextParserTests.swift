import Testing
@testable import TETelemetry

@Suite("Prometheus text exposition parser")
struct PrometheusTextParserTests {
    @Test("the format documentation's example: escapes, timestamps, +Inf, histogram and summary")
    func documentationExample() throws {
        let e = try PrometheusTextParser.parse(try fixture("exposition-format-example.prom"))
        #expect(e.types["http_requests_total"] == "counter")
        #expect(e.types["http_request_duration_seconds"] == "histogram")
        #expect(e.types["rpc_duration_seconds"] == "summary")
        #expect(e.help["http_requests_total"] == "The total number of HTTP requests.")
        let requests = e.samples(named: "http_requests_total")
        #expect(requests.count == 2)
        #expect(requests[1].labels == ["method": "post", "code": "400"])
        #expect(requests[1].value == 3)
        #expect(requests[1].timestampMilliseconds == 1_395_066_363_000)
        let msdos = try #require(e.samples(named: "msdos_file_access_time_seconds").first)
        #expect(msdos.labels["path"] == #"C:\DIR\FILE.TXT"#)
        #expect(msdos.labels["error"] == "Cannot find file:\n\"FILE.TXT\"")
        #expect(msdos.value == 1.458255915e9)
        let weird = try #require(e.samples(named: "something_weird").first)
        #expect(weird.value == .infinity)
        #expect(weird.timestampMilliseconds == -3_982_045)
        #expect(e.samples(named: "metric_without_timestamp_and_labels").first?.value == 12.47)
        #expect(e.samples(named: "http_request_duration_seconds_bucket").last?.labels["le"] == "+Inf")
        #expect(e.samples(named: "rpc_duration_seconds_sum").first?.value == 1.7560473e+07)
        #expect(e.samples.count == 2 + 1 + 1 + 1 + 8 + 7)
    }

    @Test("dcgm-exporter 2.x: blanks after commas in label sets, DCGM's blank sentinel value")
    func dcgmQuickstart() throws {
        let e = try PrometheusTextParser.parse(try fixture("dcgm-exporter-2.x-quickstart.prom"))
        let util = try #require(e.samples(named: "DCGM_FI_DEV_GPU_UTIL").first)
        #expect(util.labels["UUID"] == "GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52")
        #expect(util.labels["pod"] == "")
        #expect(util.value == 37)
        #expect(e.samples(named: "DCGM_FI_DEV_MEMORY_TEMP").first?.value == Double(Int64(9_223_372_036_854_775_794)))
    }

    @Test("dcgm-exporter on 8 H100s: every family of default-counters.csv")
    func dcgmH100() throws {
        let e = try PrometheusTextParser.parse(try fixture("dcgm-exporter-h100-Hostname.prom"))
        #expect(Set(e.samples.map(\.name)).count == 19)
        #expect(e.types["DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"] == "counter")
        let power = e.samples(named: "DCGM_FI_DEV_POWER_USAGE")
        #expect(power.count == 8)
        #expect(power[6].value == 112.67)
        #expect(power[6].labels["pod"] == "llama-3-2-1b-7577f87fc7-dhb97")
        #expect(power[6].labels["pod_uid"] == "")
        #expect(power[0].labels["Hostname"] == "ip-10-0-180-136.ec2.internal")
    }

    @Test("NaN, -Inf, exponent and CRLF line ends")
    func specialValues() throws {
        let e = try PrometheusTextParser.parse("a NaN\r\nb -Inf\r\nc 1e-3 17\r\nd{x=\"y\",} 2\n")
        #expect(e.samples[0].value.isNaN)
        #expect(e.samples[1].value == -.infinity)
        #expect(e.samples[2].value == 0.001)
        #expect(e.samples[2].timestampMilliseconds == 17)
        #expect(e.samples[3].labels == ["x": "y"])
    }

    @Test("rejects what is not the format, naming the line", arguments: [
        ("<html><body>502 Bad Gateway</body></html>", 1),
        ("ok 1\nbroken{gpu=\"0\" 5\n", 2),
        ("m{gpu=\"0\"} twelve\n", 1),
        ("m{gpu=\"0\"} 1 2 3\n", 1),
        ("m{gpu=\"\\q\"} 1\n", 1),
        ("# TYPE m thermometer\nm 1\n", 1),
        ("m{gpu=\"0\",gpu=\"1\"} 1\n", 1),
    ])
    func rejectsGarbage(text: String, line: Int) {
        #expect(throws: PrometheusTextError.self) { try PrometheusTextParser.parse(text) }
        do {
            _ = try PrometheusTextParser.parse(text)
        } catch {
            #expect(error.line == line)
        }
    }
}
