#include "store/layer_rebase.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <thread>

#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/filesystem_sync.h"
#include "store/layout.h"
#include "store/tar_split.h"

namespace ubuild::store {

PreparedLayer PrepareLayerCopy(const std::filesystem::path& root, const LayerStore& layers, const Layer& source,
                               PendingLayer& pending) {
  const std::filesystem::path staging = layout::LayerStaging(root, pending.cache_id);
  if (::mkdir(staging.c_str(), 0700) != 0) throw SysError("mkdir", staging.string(), errno);
  const std::string what = "layer " + source.diff_id.str() + " (copied from chain " + source.chain_id.str() + ")";
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) throw SysError("pipe2", what, errno);
  Fd read_end(ends[0]);
  Fd write_end(ends[1]);
  // The replay writes into the pipe on a thread of its own while this one
  // applies what it reads: one pass over the bytes, nothing spooled.
  std::exception_ptr replay_error;
  std::thread replay([&] {
    // A reader that gave up closes its end: the write then fails with EPIPE
    // on this thread instead of raising SIGPIPE in the builder.
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
    try {
      FdSink out(write_end.get(), what);
      layers.WriteTar(source, out);  // throws if the source's files no longer give its diff_id
    } catch (...) {
      replay_error = std::current_exception();
    }
    write_end.reset();
  });
  LayerTarResult applied;
  try {
    TarSplitWriter split(staging / layout::kLayerTarSplitFile);
    FdSource in(read_end.get(), what);
    applied = ApplyLayerTar(in, pending.diff_dir, &split, what);
    split.Close();
  } catch (...) {
    read_end.reset();
    replay.join();
    if (replay_error) std::rethrow_exception(replay_error);  // the cause, when the replay failed first
    throw;
  }
  read_end.reset();
  replay.join();
  if (replay_error) std::rethrow_exception(replay_error);
  if (applied.diff_id != source.diff_id) {
    throw Error("copy of the layer gives " + applied.diff_id.str() + ", not its diff_id", what);
  }
  // As for a layer a step made: its files are on disk before it is registered.
  FilesystemSync sync(pending.diff_dir);
  sync.Wait();
  return PreparedLayer{applied.diff_id, applied.content_size};
}

}  // namespace ubuild::store
