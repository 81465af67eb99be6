#pragma once
// A fixed set of worker threads for data-parallel loops. The calling thread takes part in
// every loop, so ThreadPool(1) runs everything inline.
//
// Tasks are claimed from a shared counter tagged with the loop's epoch, and a loop ends when all
// its tasks are *done* — not when every worker has checked in. So a worker that the OS has not
// scheduled yet (a busy machine) never holds up a loop it has not started work on: the other
// threads simply take its share. Workers spin briefly before sleeping, because a decode step
// issues hundreds of short loops and waking a sleeping thread costs more than the work.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace lowbit::cpu {

class ThreadPool {
public:
    explicit ThreadPool(int n_threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return n_threads_; }

    // Calls fn(task, thread) for task in [0, n_tasks), spread over the threads; returns when
    // all calls have finished. `thread` is in [0, size()) and unique among concurrent calls,
    // so it can index per-thread scratch memory. The first exception thrown by fn is rethrown.
    // Not reentrant: fn must not call run() on the same pool.
    void run(int64_t n_tasks, const std::function<void(int64_t task, int thread)>& fn);

    // Number of threads to use by default: physical cores when they can be told apart.
    static int default_threads();

private:
    void worker_loop(int thread);
    // Claims and runs tasks of the current loop until none are left.
    void work(int thread);

    int n_threads_;
    std::vector<std::thread> workers_;

    // (epoch << 32) | next task index of the current loop.
    std::atomic<uint64_t> claim_{0};
    std::atomic<int64_t> done_{0};
    std::atomic<int64_t> n_tasks_{0};
    const std::function<void(int64_t, int)>* fn_ = nullptr;

    std::mutex mutex_;
    std::condition_variable wake_;
    std::atomic<uint64_t> wake_seq_{0};
    std::atomic<bool> stop_{false};
    std::mutex error_mutex_;
    std::exception_ptr error_;
};

}  // namespace lowbit::cpu
