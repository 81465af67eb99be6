#include "backends/cpu/thread_pool.h"

#include <sched.h>

#include <fstream>
#include <set>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LOWBIT_PAUSE() _mm_pause()
#else
#define LOWBIT_PAUSE() std::this_thread::yield()
#endif

namespace lowbit::cpu {
namespace {
constexpr int kSpinsBeforeSleep = 1 << 14;
constexpr uint64_t kIndexMask = 0xffffffffull;
}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads < 1 ? 1 : n_threads) {
    workers_.reserve(static_cast<size_t>(n_threads_ - 1));
    for (int t = 1; t < n_threads_; ++t) workers_.emplace_back([this, t] { worker_loop(t); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_.store(true);
        wake_seq_.fetch_add(1);
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
}

void ThreadPool::work(int thread) {
    for (;;) {
        uint64_t c = claim_.load(std::memory_order_acquire);
        // The epoch in the upper half makes a claim on a finished loop fail, so a late worker
        // can never run a task of a loop whose function is gone.
        int64_t task;
        do {
            task = static_cast<int64_t>(c & kIndexMask);
            if (task >= n_tasks_.load(std::memory_order_relaxed)) return;
        } while (!claim_.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel, std::memory_order_acquire));
        try {
            (*fn_)(task, thread);
        } catch (...) {
            std::lock_guard<std::mutex> lock(error_mutex_);
            if (!error_) error_ = std::current_exception();
        }
        done_.fetch_add(1, std::memory_order_acq_rel);
    }
}

void ThreadPool::run(int64_t n_tasks, const std::function<void(int64_t, int)>& fn) {
    if (n_tasks <= 0) return;
    if (n_threads_ == 1 || n_tasks == 1) {
        for (int64_t i = 0; i < n_tasks; ++i) fn(i, 0);
        return;
    }
    // Publish the loop: function and size first, then the new epoch with index 0.
    fn_ = &fn;
    n_tasks_.store(n_tasks, std::memory_order_relaxed);
    error_ = nullptr;
    done_.store(0, std::memory_order_relaxed);
    const uint64_t epoch = (claim_.load(std::memory_order_relaxed) >> 32) + 1;
    claim_.store(epoch << 32, std::memory_order_release);
    wake_seq_.fetch_add(1, std::memory_order_release);
    wake_.notify_all();

    work(0);
    for (int spins = 0; done_.load(std::memory_order_acquire) != n_tasks; ++spins) {
        // A worker holds a task: wait for it, yielding the core if it seems descheduled.
        if (spins < 4096) {
            LOWBIT_PAUSE();
        } else {
            sched_yield();
        }
    }
    // Close the loop so that no late claim can succeed before the next run() publishes.
    claim_.store(((epoch + 1) << 32) | kIndexMask, std::memory_order_release);
    n_tasks_.store(0, std::memory_order_relaxed);
    fn_ = nullptr;
    if (error_) std::rethrow_exception(error_);
}

void ThreadPool::worker_loop(int thread) {
    uint64_t seen = 0;
    for (;;) {
        uint64_t seq = wake_seq_.load(std::memory_order_acquire);
        for (int spin = 0; seq == seen && spin < kSpinsBeforeSleep; ++spin) {
            LOWBIT_PAUSE();
            seq = wake_seq_.load(std::memory_order_acquire);
        }
        if (seq == seen) {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return wake_seq_.load(std::memory_order_acquire) != seen; });
            seq = wake_seq_.load(std::memory_order_acquire);
        }
        seen = seq;
        if (stop_.load()) return;
        work(thread);
    }
}

int ThreadPool::default_threads() {
    // Count distinct (physical id, core id) pairs; fall back to hardware_concurrency.
    std::ifstream in("/proc/cpuinfo");
    std::set<std::pair<int, int>> cores;
    std::string line;
    int phys = 0;
    while (std::getline(in, line)) {
        if (line.rfind("physical id", 0) == 0) phys = std::stoi(line.substr(line.find(':') + 1));
        if (line.rfind("core id", 0) == 0) cores.insert({phys, std::stoi(line.substr(line.find(':') + 1))});
    }
    const int hw = static_cast<int>(std::thread::hardware_concurrency());
    if (!cores.empty() && static_cast<int>(cores.size()) <= hw) return static_cast<int>(cores.size());
    return hw > 0 ? hw : 1;
}

}  // namespace lowbit::cpu
