import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@relax/core";
import { diffSort } from "@relax/sort";
await tf.setBackend("cpu");
const k = tf.getKernel("RelaxDiffSort","cpu").kernelFunc, kg = tf.getKernel("RelaxDiffSortGrad","cpu").kernelFunc;
const be = tf.backend();
for (const [network,n,B,reps] of [["odd_even",32,100,30],["bitonic",128,100,10],["odd_even",128,100,4],["bitonic",1024,16,1]]) {
  const x = tf.randomNormal([B,n]); const W = tf.randomNormal([B,n,n]); const ds = tf.ones([B,n]);
  const attrs = {network, distribution:"cauchy", steepness:10, artLambda:0.25, withMatrix:true, descending:false, hard:false};
  const f=()=>{ const o=k({inputs:{x}, attrs, backend:be}); o.forEach(t=>be.disposeData(t.dataId)); };
  const b=()=>{ const o=kg({inputs:{x, dSorted:ds, dPermutation:W}, attrs, backend:be}); be.disposeData(o.dataId); };
  f(); b();
  const tf_=[], tb=[];
  for (let i=0;i<reps;i++){ let t=performance.now(); f(); tf_.push(performance.now()-t); t=performance.now(); b(); tb.push(performance.now()-t);}
  const med=a=>a.sort((p,q)=>p-q)[a.length>>1].toFixed(1);
  console.log(network,n,B,"fwd",med(tf_),"bwd",med(tb));
}
