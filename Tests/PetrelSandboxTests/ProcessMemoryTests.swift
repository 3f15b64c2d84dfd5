import Foundation
@testable import PetrelSandbox
import Testing

@Suite struct ProcessMemoryTests {
    @Test func readsFieldsOfAStatusFile() {
        let status = "Name:\tnode\nVmPeak:\t  900000 kB\nVmHWM:\t   41236 kB\nVmRSS:\t   40000 kB\nThreads:\t7\n"
        Array(status.utf8).withUnsafeBufferPointer { text in
            #expect(ProcessMemory.value(of: "VmHWM:", in: text) == 41236)
            #expect(ProcessMemory.value(of: "VmRSS:", in: text) == 40000)
            #expect(ProcessMemory.value(of: "VmSwap:", in: text) == nil)
        }
    }

    @Test func readsThisProcess() throws {
        // Resident first: the process may grow between the two reads, never shrink its peak.
        let resident = try #require(ProcessMemory.residentBytes(pid: getpid()))
        let peak = try #require(ProcessMemory.peakResidentBytes(pid: getpid()))
        #expect(resident > 1_000_000)
        #expect(peak >= resident)
    }
}
