@testable import PetrelSandbox
import Testing

@Suite struct CgroupMountsTests {
    // As on the development machine: v1 controllers, a v2 mount with none, and the server's
    // memory cgroup somewhere below the root.
    let hybridMountinfo = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """
    let hybridCgroup = """
        9:name=systemd:/
        8:pids:/
        6:freezer:/
        4:memory:/process_api/de19
        2:cpuacct:/
        1:cpu:/
        0::/
        """

    @Test func hybridHost() {
        let mounts = CgroupMounts.parse(mountinfo: hybridMountinfo, selfCgroup: hybridCgroup)
        #expect(mounts.v1 == [
            "cpu": "/sys/fs/cgroup/cpu", "cpuacct": "/sys/fs/cgroup/cpuacct",
            "memory": "/sys/fs/cgroup/memory/process_api/de19", "freezer": "/sys/fs/cgroup/freezer",
            "pids": "/sys/fs/cgroup/pids",
        ])
        #expect(mounts.v2 == "/sys/fs/cgroup/unified")
    }

    @Test func unifiedOnlyHost() {
        let mountinfo = "29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot"
        let mounts = CgroupMounts.parse(mountinfo: mountinfo, selfCgroup: "0::/system.slice/petrel.service\n")
        #expect(mounts.v1.isEmpty)
        #expect(mounts.v2 == "/sys/fs/cgroup/system.slice/petrel.service")
    }

    @Test func combinedControllersShareADirectory() {
        let mountinfo = "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct"
        let mounts = CgroupMounts.parse(mountinfo: mountinfo, selfCgroup: "3:cpu,cpuacct:/user.slice\n")
        #expect(mounts.v1 == ["cpu": "/sys/fs/cgroup/cpu,cpuacct/user.slice", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct/user.slice"])
    }

    @Test func containerMountOfASubtree() {
        // A container sees its own cgroup mounted at /sys/fs/cgroup/memory with root /docker/abc.
        let mountinfo = "35 31 0:32 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory"
        let mounts = CgroupMounts.parse(mountinfo: mountinfo, selfCgroup: "4:memory:/docker/abc/app\n")
        #expect(mounts.v1["memory"] == "/sys/fs/cgroup/memory/app")
        #expect(CgroupMounts.directory(mountPoint: "/m", root: "/docker/abc", path: "/docker/abc") == "/m")
        #expect(CgroupMounts.directory(mountPoint: "/m", root: "/docker/abc", path: "/app") == "/m/app")
    }

    @Test func escapedMountPoints() {
        #expect(CgroupMounts.unescape("/mnt/my\\040cgroups") == "/mnt/my cgroups")
    }

    @Test func serverGroupNames() {
        #expect(ServerGroupName.make(namespace: "4026531836", pid: 42) == "4026531836-42")
        #expect(ServerGroupName.pid(of: "4026531836-42", namespace: "4026531836") == 42)
        #expect(ServerGroupName.pid(of: "4026532999-42", namespace: "4026531836") == nil, "another pid namespace's")
        #expect(ServerGroupName.pid(of: "42", namespace: "4026531836") == 42)
        #expect(ServerGroupName.pid(of: "probe", namespace: "4026531836") == nil)
    }

    @Test func noCgroups() {
        let mounts = CgroupMounts.parse(mountinfo: "22 1 0:21 / /proc rw - proc proc rw", selfCgroup: "")
        #expect(mounts == CgroupMounts())
    }
}
