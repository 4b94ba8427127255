# allocators.sh: sourced by the redis-trace scripts. Defines rt_allocators,
# which prints "name preload env" for every allocator present on this
# machine (preload "-" = none, env "-" = none). A library counts as present
# when it exists and defines malloc. Paths are relative to the repository root.
rt_has_malloc() { [ -f "$1" ] && nm -D --defined-only "$1" 2>/dev/null | grep -qw malloc; }
rt_allocators() {
    echo "glibc - -"
    local lib
    for spec in "jemalloc /usr/lib/x86_64-linux-gnu/libjemalloc.so.2" \
                "mimalloc /usr/lib/x86_64-linux-gnu/libmimalloc.so.2" \
                "tcmalloc /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4"; do
        lib=${spec#* }
        rt_has_malloc "$lib" && echo "${spec% *} $lib -"
    done
    if rt_has_malloc allocator/libtide.so; then
        echo "tide allocator/libtide.so -"
        echo "tide-2006 allocator/libtide.so TIDE_CONF=preset:bsd2006"
    fi
    rt_has_malloc build/harness/liblocked.so && echo "locked build/harness/liblocked.so -"
    return 0
}
# rt_run NAME PRELOAD ENV CMD...: run CMD under the allocator.
rt_run() {
    local pre=$2 envs=$3
    shift 3
    local -a e=()
    [ "$pre" != - ] && e+=("LD_PRELOAD=$(realpath "$pre")")
    [ "$envs" != - ] && e+=("$envs")
    env "${e[@]}" "$@"
}
