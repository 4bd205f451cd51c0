// ThreadSanitizer and C11 threads (linked into the test programs of the `tsan` preset only).
//
// librdkafka starts its threads with C11's thrd_create and locks with mtx_lock / cnd_wait.
// glibc implements those by calling its pthread functions directly, past the interceptors of
// GCC's ThreadSanitizer: a librdkafka thread then runs without TSan's thread state (the first
// malloc in it crashes in TSan's allocator), and its locks order nothing in TSan's eyes. These
// definitions, in the executable, take precedence over glibc's for librdkafka and route each
// call through the intercepted pthread function.
#include <pthread.h>
#include <threads.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>

namespace {

struct Start {
    thrd_start_t func;
    void* arg;
};

void* trampoline(void* p) {
    const Start s = *static_cast<Start*>(p);
    std::free(p);
    return reinterpret_cast<void*>(static_cast<intptr_t>(s.func(s.arg)));
}

int result(int err) {
    if (err == 0) return thrd_success;
    if (err == ENOMEM) return thrd_nomem;
    if (err == ETIMEDOUT) return thrd_timedout;
    if (err == EBUSY) return thrd_busy;
    return thrd_error;
}

}  // namespace

extern "C" {

int thrd_create(thrd_t* thr, thrd_start_t func, void* arg) {
    auto* s = static_cast<Start*>(std::malloc(sizeof(Start)));
    if (!s) return thrd_nomem;
    *s = {func, arg};
    pthread_t t;
    const int err = pthread_create(&t, nullptr, trampoline, s);
    if (err != 0) {
        std::free(s);
        return result(err);
    }
    *thr = t;
    return thrd_success;
}

int thrd_join(thrd_t thr, int* res) {
    void* value = nullptr;
    const int err = pthread_join(thr, &value);
    if (err == 0 && res) *res = static_cast<int>(reinterpret_cast<intptr_t>(value));
    return result(err);
}

int thrd_detach(thrd_t thr) {
    return result(pthread_detach(thr));
}

int mtx_init(mtx_t* m, int type) {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    if (type & mtx_recursive) pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    const int err = pthread_mutex_init(reinterpret_cast<pthread_mutex_t*>(m), &attr);
    pthread_mutexattr_destroy(&attr);
    return result(err);
}
int mtx_lock(mtx_t* m) {
    return result(pthread_mutex_lock(reinterpret_cast<pthread_mutex_t*>(m)));
}
int mtx_trylock(mtx_t* m) {
    return result(pthread_mutex_trylock(reinterpret_cast<pthread_mutex_t*>(m)));
}
int mtx_timedlock(mtx_t* m, const struct timespec* ts) {
    return result(pthread_mutex_timedlock(reinterpret_cast<pthread_mutex_t*>(m), ts));
}
int mtx_unlock(mtx_t* m) {
    return result(pthread_mutex_unlock(reinterpret_cast<pthread_mutex_t*>(m)));
}
void mtx_destroy(mtx_t* m) {
    pthread_mutex_destroy(reinterpret_cast<pthread_mutex_t*>(m));
}

int cnd_init(cnd_t* c) {
    return result(pthread_cond_init(reinterpret_cast<pthread_cond_t*>(c), nullptr));
}
int cnd_signal(cnd_t* c) {
    return result(pthread_cond_signal(reinterpret_cast<pthread_cond_t*>(c)));
}
int cnd_broadcast(cnd_t* c) {
    return result(pthread_cond_broadcast(reinterpret_cast<pthread_cond_t*>(c)));
}
int cnd_wait(cnd_t* c, mtx_t* m) {
    return result(pthread_cond_wait(reinterpret_cast<pthread_cond_t*>(c),
                                    reinterpret_cast<pthread_mutex_t*>(m)));
}
int cnd_timedwait(cnd_t* c, mtx_t* m, const struct timespec* ts) {
    return result(pthread_cond_timedwait(reinterpret_cast<pthread_cond_t*>(c),
                                         reinterpret_cast<pthread_mutex_t*>(m), ts));
}
void cnd_destroy(cnd_t* c) {
    pthread_cond_destroy(reinterpret_cast<pthread_cond_t*>(c));
}

}  // extern "C"
