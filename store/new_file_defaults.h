#pragma once
// What a file created by this process gets without being told: its owner
// (the effective uid), its group (the effective gid, or the parent's when the
// parent is setgid) and its mode (the one asked for, less the umask). The
// layer applier creates tens of thousands of files; when the tar asks for
// exactly these, the fchown and fchmod per file can be left out.
#include <sys/stat.h>
#include <sys/types.h>

#include <string>

namespace ubuild::store {

class NewFileDefaults {
 public:
  // Looks at the process (umask, ids) and at `root`, the directory the files
  // are created under: a default ACL there decides modes instead of the
  // umask, so modes are then never taken as given.
  explicit NewFileDefaults(const std::string& root);

  // Whether open(O_CREAT, perm) makes exactly `perm`: no setuid, setgid or
  // sticky bit (kept or dropped by rules of their own), nothing the umask
  // takes away, no default ACL.
  bool CreatesMode(mode_t perm) const { return modes_known_ && (perm & ~mode_t{0777}) == 0 && (perm & umask_) == 0; }
  // Whether a file created in a directory with `parent_mode` and `parent_gid`
  // is owned by uid:gid already.
  bool CreatesOwner(uid_t uid, gid_t gid, mode_t parent_mode, gid_t parent_gid) const {
    return uid == euid_ && gid == ((parent_mode & S_ISGID) != 0 ? parent_gid : egid_);
  }
  // A default ACL set on a directory by the layer itself.
  void ForgetModes() { modes_known_ = false; }

 private:
  uid_t euid_;
  gid_t egid_;
  mode_t umask_ = 0777;
  bool modes_known_ = false;
};

}  // namespace ubuild::store
