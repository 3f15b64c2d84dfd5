@testable import PetrelQueues
import Testing

@Suite struct AddressAndHandleTests {
    @Test(arguments: [
        ("http://127.0.0.1:4566/000000000000/orders", "000000000000", "orders"),
        ("https://sqs.us-east-1.amazonaws.com/123456789012/jobs.fifo", "123456789012", "jobs.fifo"),
        ("http://localhost:4566/queue/us-east-1/000000000000/q1", "000000000000", "q1"),
        ("plain-name", "000000000000", "plain-name"),
    ])
    func parsesQueueURLs(url: String, account: String, name: String) throws {
        let address = try #require(QueueAddress.parse(url: url, account: "000000000000", region: "us-east-1"))
        #expect(address.account == account && address.name == name)
    }

    @Test(arguments: ["http://127.0.0.1:4566/", "http://h/acct/bad name", "", "http://h/000000000000/" + String(repeating: "a", count: 81)])
    func rejectsBadURLs(url: String) {
        #expect(QueueAddress.parse(url: url, account: "000000000000", region: "us-east-1") == nil)
    }

    @Test func arnRoundTrip() throws {
        let a = QueueAddress(account: "000000000000", region: "eu-west-1", name: "x.fifo")
        #expect(QueueAddress(arn: a.arn) == a)
        #expect(a.isFifo)
        #expect(a.url(host: "127.0.0.1:4566") == "http://127.0.0.1:4566/000000000000/x.fifo")
    }

    @Test func receiptHandleRoundTrip() throws {
        let h = ReceiptHandle(queueID: 3, messageKey: 99, receiveCount: 2, receivedAt: 1_700_000_000_000)
        #expect(h.text.hasPrefix("AQEB"))
        #expect(ReceiptHandle(text: h.text) == h)
        #expect(ReceiptHandle(text: "garbage") == nil)
        #expect(ReceiptHandle(text: "AQEB" + "bm90IGEgaGFuZGxl") == nil)
    }
}
