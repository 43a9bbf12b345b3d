"""Writes a long memory_profiler recording for timing `pstat memory` and `pstat convert -o x.svg`:
N `MEM` lines as `mprof run` writes them (`MEM {:.6f} {:.4f}`, 0.01 s apart), a random walk of
memory, with `FUNC` lines (two nested @profile functions, one call per 1,000 samples) appended
as the program appends them at exit.

    python3 bench/gen_mprofile.py --samples 1000000 --seed 1 -o /tmp/long.dat
"""
import argparse
import random


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    start = 1_700_000_000.0
    mib = 20.0
    memory = []
    with open(args.output, "w") as f:
        f.write("CMDLINE python long_running.py --input data.csv\n")
        for i in range(args.samples):
            mib = max(5.0, mib + rng.gauss(0.0, 0.5))
            memory.append(mib)
            f.write("MEM {:.6f} {:.4f}\n".format(mib, start + i * 0.01))
        for i in range(0, args.samples - 1000, 1000):
            t0, t1 = start + i * 0.01, start + (i + 999) * 0.01
            f.write("FUNC __main__.process %.4f %.4f %.4f %.4f 0\n" % (memory[i], t0, memory[i + 999], t1))
            f.write("FUNC __main__.parse %.4f %.4f %.4f %.4f 1\n" % (memory[i], t0, memory[i + 400], t0 + 4.0))


if __name__ == "__main__":
    main()
