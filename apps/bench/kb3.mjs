import { getNetwork } from "@relax/sort";
import { comparatorSigmoid } from "@relax/core";
import { forwardValues } from "../../packages/sort/dist/kernels/engine.js";
import { matrixArena } from "../../packages/sort/dist/kernels/wasm.js";
const n=+process.argv[2]||32, B=100; const net=getNetwork(process.argv[3]||"odd_even", n); const sig=comparatorSigmoid("x",{});
const x=new Float32Array(B*n).map(()=>Math.random()); const C=net.size;
const v=new Float64Array(n); const ar=matrixArena(net,true); const Pout=new Float32Array(B*n*n); const dRow=new Float64Array(C);
const T={vals:0,ident:0,wf:0,copy:0,wfs:0,wb:0};
const R=100;
for (let rep=0;rep<R;rep++){
 for (let r=0;r<B;r++){
  let t=performance.now(); forwardValues(net,sig.f,x,r*n,v,ar.alpha,dRow); let t2=performance.now(); T.vals+=t2-t;
  ar.M.fill(0); for(let i=0;i<n;i++) ar.M[i*n+i]=1; t=performance.now(); T.ident+=t-t2;
  ar.forward(false); t2=performance.now(); T.wf+=t2-t;
  Pout.set(ar.M, r*n*n); t=performance.now(); T.copy+=t-t2;
  ar.forward(true); t2=performance.now(); T.wfs+=t2-t;
  ar.backward(); t=performance.now(); T.wb+=t-t2;
 }
}
for (const k in T) T[k]=(T[k]/R).toFixed(3);
console.log(n, "per call ms", JSON.stringify(T), "hull", net.hullOffset[C], "C", C);
