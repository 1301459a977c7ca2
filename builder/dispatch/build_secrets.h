#pragma once
// What `ubuild build --secret` and `--ssh` hand to RUN --mount=type=secret
// and type=ssh, read as docker buildx reads them. Only where a value lives
// is kept here; a secret's bytes are read when a RUN mounts it, straight
// onto a tmpfs, and never travel further.
#include <map>
#include <string>
#include <vector>

namespace ubuild::builder {

struct SecretSource {
  std::string file;  // src=FILE
  std::string env;   // env=VAR (used when file is empty)
};

// "id=ID[,src=FILE|,env=VAR]" (also type=file|env, source=); without src and
// env, the variable ID if it is set, else the file ID, as buildx does.
// Throws ubuild::Error for a value it cannot read.
std::pair<std::string, SecretSource> ParseSecretFlag(const std::string& value);

// "ID[=SOCKET|KEY[,KEY…]]": an agent socket or private key files; ID alone
// forwards $SSH_AUTH_SOCK. Throws when ID alone finds no SSH_AUTH_SOCK.
std::pair<std::string, std::vector<std::string>> ParseSshFlag(const std::string& value);

// The secret's bytes. Errors name the id and the file or variable, never
// the content.
std::string ReadSecret(const std::string& id, const SecretSource& source);

}  // namespace ubuild::builder
