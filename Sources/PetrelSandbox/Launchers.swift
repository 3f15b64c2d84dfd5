/// Picks the best launcher the host allows: bubblewrap with cgroups, bubblewrap alone, cgroups
/// alone, or plain processes. Degrades, never pretends: the launcher's `isolationSummary` says
/// what is in force and what is missing.
public enum Launchers {
    public static func best(options: SandboxOptions = SandboxOptions()) -> any InstanceLauncher {
        make(report: IsolationProbe.run(options: options), options: options)
    }

    /// The launcher for an already made report (pure choice, given the report).
    public static func make(report: IsolationReport, options: SandboxOptions) -> any InstanceLauncher {
        let cgroups = (report.mode == .bubblewrapAndCgroups || report.mode == .cgroups) ? report.cgroups.driver : nil
        switch report.mode {
        case .bubblewrapAndCgroups, .bubblewrap:
            return BubblewrapLauncher(bubblewrapPath: report.bubblewrap.path ?? "/usr/bin/bwrap", options: options,
                                      cgroups: cgroups, report: report)
        case .cgroups, .plain:
            return ProcessLauncher(options: options, cgroups: cgroups, report: report)
        }
    }
}
