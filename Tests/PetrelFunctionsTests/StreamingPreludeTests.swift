import Foundation
@testable import PetrelFunctions
import Testing

@Suite struct StreamingPreludeTests {
    @Test func theHeadIsReadAcrossChunksAndTheRestIsBody() {
        var prelude = StreamingPrelude()
        let json = #"{"statusCode":201,"headers":{"x-a":"1"},"cookies":["c=1"]}"#
        #expect(prelude.feed(Data(json.utf8).prefix(10)) == .needMore)
        #expect(prelude.feed(Data(json.utf8).dropFirst(10) + Data(repeating: 0, count: 5)) == .needMore)
        let step = prelude.feed(Data(repeating: 0, count: 3) + Data("body".utf8))
        #expect(step == .head(FunctionURLResponse(status: 201, headers: [("x-a", "1"), ("Set-Cookie", "c=1")], body: Data()), rest: Data("body".utf8)))
    }

    @Test func anEmptyHeadIs200AndGarbageIsRefused() {
        var empty = StreamingPrelude()
        #expect(empty.feed(Data(repeating: 0, count: 8)) == .head(FunctionURLResponse(status: 200, headers: [], body: Data()), rest: Data()))
        var garbage = StreamingPrelude()
        #expect(garbage.feed(Data("not json".utf8) + Data(repeating: 0, count: 8)) == .invalid)
        var badStatus = StreamingPrelude()
        #expect(badStatus.feed(Data(#"{"statusCode":"x"}"#.utf8) + Data(repeating: 0, count: 8)) == .invalid)
        var endless = StreamingPrelude()
        #expect(endless.feed(Data(repeating: 0x41, count: StreamingPrelude.maxBytes + 1)) == .invalid)
    }
}
