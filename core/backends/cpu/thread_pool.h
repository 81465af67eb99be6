#pragma once
// A fixed set of worker threads for data-parallel loops. The calling thread takes part in
// every loop, so ThreadPool(1) runs everything inline. Workers spin briefly before sleeping:
// a decode step issues hundreds of short loops, and waking a sleeping thread each time would
// cost more than the work.
#include <atomic>
#include <condition_variable>
#include <cstdint>
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
    // so it can index per-thread scratch memory. Exceptions from fn are rethrown here.
    void run(int64_t n_tasks, const std::function<void(int64_t task, int thread)>& fn);

    // Number of hardware threads to use by default: physical cores when they can be told apart.
    static int default_threads();

private:
    void worker_loop(int thread);
    void work(int thread);

    int n_threads_;
    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::atomic<uint64_t> generation_{0};
    std::atomic<int64_t> next_task_{0};
    std::atomic<int> active_{0};
    int64_t n_tasks_ = 0;
    const std::function<void(int64_t, int)>* fn_ = nullptr;
    std::atomic<bool> stop_{false};
    std::exception_ptr error_;
    std::mutex error_mutex_;
};

}  // namespace lowbit::cpu
