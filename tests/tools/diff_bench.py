#!/usr/bin/env python3
"""The workspace of the `strata diff` benchmark (BENCHMARKS.md): diff_bench.py DIR makes
a git repository in DIR with two commits of a 100,000-result map under `maps/` that
differ in 1% of the results (1,000 statements reworded, about half of them with a
lowered target). Then: `cd DIR && strata diff HEAD~1 HEAD`.
"""
import os, random, sys, subprocess, shutil
N=100_000; PER=50
root=sys.argv[1]
def write(changed):
    rnd=random.Random(42)
    if os.path.exists(root+"/maps"): shutil.rmtree(root+"/maps")
    os.makedirs(root+"/maps")
    with open(root+"/maps/000-map.strata","w") as f:
        f.write('map "Synthetic"\nlayer financial "Financial"\nlayer customer "Customer"\nlayer process "Process"\nlayer people "People"\n')
    layers=["financial","customer","process","people"]
    for fi in range(N//PER):
        out=[]
        for r in range(fi*PER,(fi+1)*PER):
            layer=layers[min(3,r*4//N)]
            st="Customers come back to our shops" + (" every week" if r in changed else "")
            tgt=35 if not (r in changed and r%2==0) else 33
            out.append(f'result r{r} "{st}" {{\n  layer: {layer}\n  owner: "Owner {r%97}"\n  measure m{r} "Measure {r}" {{\n    unit: "%"\n    direction: up\n    baseline: 30% at 2026\n    target: {tgt}% by 2027\n    frequency: monthly\n  }}\n}}\n')
            if r>0:
                out.append(f"r{r} -> r{rnd.randrange(0,r) if r*4//N==0 else rnd.randrange(0, max(1,(r*4//N)*N//4))}\n")
        with open(f"{root}/maps/f{fi:05}.strata","w") as f: f.write("".join(out))
os.makedirs(root,exist_ok=True)
g=["git","-c","user.name=a","-c","user.email=a@b"]
subprocess.run(["git","init","-q",root])
write(set())
subprocess.run(g+["-C",root,"add","-A"]); subprocess.run(g+["-C",root,"commit","-qm","a"])
changed=set(random.Random(7).sample(range(N), N//100))
write(changed)
subprocess.run(g+["-C",root,"add","-A"]); subprocess.run(g+["-C",root,"commit","-qm","b"])
