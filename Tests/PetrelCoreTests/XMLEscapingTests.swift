import PetrelCore
import Testing

struct XMLEscapingTests {
    @Test(arguments: [
        ("plain text", "plain text"),
        ("a & b < c > d", "a &amp; b &lt; c &gt; d"),
        ("\"quoted\" 'single'", "&quot;quoted&quot; &apos;single&apos;"),
        ("line\r\nbreak\ttab", "line&#13;&#10;break\ttab"),
        ("bell\u{7}", "bell&#7;"),
        ("ünïcødé ✓", "ünïcødé ✓"),
    ])
    func escapes(text: String, expected: String) {
        #expect(XMLEscaping.escape(text) == expected)
    }
}
