import PetrelIdentity
import Testing

@Suite struct BrowserGuardTests {
    @Test(arguments: [
        // (Host, Origin, bound to loopback, refused)
        ("127.0.0.1:4566", nil, true, false),                                   // the CLI, boto3
        ("localhost:4566", nil, true, false),
        ("[::1]:4566", nil, true, false),
        ("127.0.0.1:4566", "http://127.0.0.1:4566", true, false),               // the console, same origin
        ("127.0.0.1:4566", "http://evil.example", true, true),                  // another site's page
        ("127.0.0.1:4566", "null", true, true),                                 // a sandboxed frame or file://
        ("127.0.0.1:4566", "http://localhost:4566", true, true),                // another origin, even if loopback
        ("evil.example:4566", nil, true, true),                                 // DNS rebinding
        ("evil.example:4566", "http://evil.example:4566", true, true),
        ("petrel.internal:4566", nil, false, false),                            // bound beyond loopback: any name
        ("petrel.internal:4566", "http://petrel.internal:4566", false, false),
        ("petrel.internal:4566", "http://evil.example", false, true),
        ("127.1.2.3:4566", nil, true, false),
        ("127.0.0.1.evil.example:4566", nil, true, true),
    ] as [(String, String?, Bool, Bool)])
    func refuses(host: String, origin: String?, loopback: Bool, refused: Bool) {
        #expect((BrowserGuard.refusal(host: host, origin: origin, boundToLoopback: loopback) != nil) == refused)
    }
}
