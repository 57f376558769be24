#!/usr/bin/env python3
"""The feasible optima f* of bench/outcomes/constrained-problems.ts: scipy SLSQP from 400 random
starts per problem (seeded), keeping the best feasible result; prints f*, x* and the constraint
slack at x* (0 when the constraint is active). Debian python3-scipy; used by decision 0034."""
import numpy as np
from scipy.optimize import minimize
A=np.array([[3.0,10,30],[0.1,10,35],[3.0,10,30],[0.1,10,35]]);P=1e-4*np.array([[3689,1170,2673],[4699,4387,7470],[1091,8732,5547],[381,5743,8828]]);al=np.array([1.0,1.2,3.0,3.2])
def h3(x): return -np.sum(al*np.exp(-np.sum(A*(x-P)**2,axis=1)))
def branin(x):
    a,b,c,r,s,t=1,5.1/(4*np.pi**2),5/np.pi,6,10,1/(8*np.pi)
    return a*(x[1]-b*x[0]**2+c*x[0]-r)**2+s*(1-t)*np.cos(x[0])+s
def run(f,cons,bounds,n=400):
    rng=np.random.default_rng(0);best=None
    for _ in range(n):
        x0=np.array([rng.uniform(l,h) for l,h in bounds])
        r=minimize(f,x0,method='SLSQP',bounds=bounds,constraints=cons,options={'ftol':1e-14,'maxiter':500})
        if r.success and all(c['fun'](r.x)>=-1e-9 for c in cons):
            if best is None or r.fun<best.fun: best=r
    return best
g=run(lambda x: np.cos(2*x[0])*np.cos(x[1])+np.sin(x[0]),[{'type':'ineq','fun':lambda x: 0.5-(np.cos(x[0])*np.cos(x[1])-np.sin(x[0])*np.sin(x[1]))}],[(0,6),(0,6)])
print('gardner',repr(g.fun),g.x, 0.5-(np.cos(g.x[0])*np.cos(g.x[1])-np.sin(g.x[0])*np.sin(g.x[1])))
u=run(lambda x: np.cos(2*x[0])*np.cos(x[1])+np.sin(x[0]),[],[(0,6),(0,6)]); print('gardner unconstrained',u.fun,u.x)
b=run(branin,[{'type':'ineq','fun':lambda x: 50-(x[0]-2.5)**2-(x[1]-7.5)**2}],[(-5,10),(0,15)])
print('branin',repr(b.fun),b.x,50-(b.x[0]-2.5)**2-(b.x[1]-7.5)**2)
h=run(h3,[{'type':'ineq','fun':lambda x: 1.2-np.sum(x)}],[(0,1)]*3)
print('h3sum',repr(h.fun),h.x,1.2-np.sum(h.x))
