import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@relax/core";
import { setSortWasm } from "@relax/sort";
await tf.setBackend("cpu");
const k = tf.getKernel("RelaxDiffSort","cpu").kernelFunc, kg = tf.getKernel("RelaxDiffSortGrad","cpu").kernelFunc;
const be = tf.backend();
const cases = process.argv[2] ? [[process.argv[2], +process.argv[3], +process.argv[4], +process.argv[5]]] : [["odd_even",32,100,40],["bitonic",128,100,10],["odd_even",128,100,4]];
for (const [network,n,B,reps] of cases) {
  const x = tf.randomNormal([B,n]); const W = tf.randomNormal([B,n,n]); const ds = tf.ones([B,n]);
  const attrs = {network, distribution:"cauchy", steepness:10, artLambda:0.25, withMatrix:true, descending:false, hard:false};
  const f=()=>{ const o=k({inputs:{x}, attrs, backend:be}); o.forEach(t=>be.disposeData(t.dataId)); };
  const b=()=>{ const o=kg({inputs:{x, dSorted:ds, dPermutation:W}, attrs, backend:be}); be.disposeData(o.dataId); };
  const res = {js:{f:[],b:[]}, wasm:{f:[],b:[]}, w64:{f:[],b:[]}};
  for (let i=0;i<reps+2;i++) for (const mode of ["js","wasm","w64"]) { setSortWasm(mode!=="js", mode==="w64"?"f64":"f32"); let t=performance.now(); f(); const a=performance.now()-t; t=performance.now(); b(); const c=performance.now()-t; if(i>=2){res[mode].f.push(a); res[mode].b.push(c);} }
  const med=a=>a.sort((p,q)=>p-q)[a.length>>1].toFixed(2);
  console.log(network,n,B,"js fwd",med(res.js.f),"bwd",med(res.js.b),"| f32x4 fwd",med(res.wasm.f),"bwd",med(res.wasm.b), "| f64x2 fwd",med(res.w64.f),"bwd",med(res.w64.b));
}
