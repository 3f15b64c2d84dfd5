/// The trampoline that puts an instance into its cgroup before anything of it runs.
///
/// `/bin/sh` writes its own pid into every `cgroup.procs` file, lowers RLIMIT_NOFILE (soft and
/// hard), then `exec`s the command: bubblewrap and the interpreter start inside the cgroup, so
/// their start-up memory is counted and the pids limit already holds. It costs one exec of dash
/// (about a millisecond); a failure to join exits 125 with the reason in the instance's output.
public enum CgroupEntry {
    public static let shell = "/bin/sh"

    static let script = """
        ulimit -n "$1" || { echo "petrel: could not set RLIMIT_NOFILE to $1" >&2; exit 125; }; shift
        while [ "$1" != -- ]; do echo $$ > "$1" || { echo "petrel: could not join cgroup $1" >&2; exit 125; }; shift; done
        shift; exec "$@"
        """

    /// argv that joins `procsFiles`, sets the open-files limit, then runs `command`.
    public static func arguments(procsFiles: [String], openFilesMax: Int, command: [String]) -> [String] {
        [shell, "-c", script, "petrel-enter", String(openFilesMax)] + procsFiles + ["--"] + command
    }
}
