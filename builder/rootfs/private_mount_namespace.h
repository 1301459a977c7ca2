#pragma once
// A build's overlay mounts must not outlive it. The process enters a mount
// namespace of its own before it mounts anything; when its last process
// exits (a SIGKILL included) the kernel unmounts everything in it, so a
// killed build leaves no mount in the host's table to wedge the store.
//
// The namespace is a slave of the host's: unmounts there (a disk taken
// away) still reach it, and nothing mounted in it reaches the host.
namespace ubuild::builder {

// unshare(CLONE_NEWNS) refuses a process whose filesystem state other
// threads share, so this must run before the first thread is started.
// Without the right to unshare (not root) it does nothing: such a process
// cannot mount either. Throws ubuild::Error on any other failure.
void EnterPrivateMountNamespace();

}  // namespace ubuild::builder
