fmt='pdf'
out='/tmp/slurm-run/20261208T024446Z-vm/figures/rss-larson.pdf'
scriptdir='/work/main/scripts'
caption='vm (Intel(R) Xeon(R) Processor; 2 CPUs; Linux 6.18.44-fc-v1300) | glibc 2.36, jemalloc 5.3.0, tide 1.0.0-tide | 20261208T024446Z-vm'
names='glibc jemalloc tide'
nal=3
dat='/tmp/slurm-run/20261208T024446Z-vm/figures/data/rss-larson.dat'
ttl='larson: resident set size over time (2 threads, median-time run per allocator)'
