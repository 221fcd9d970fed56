import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@relax/core";
import "@relax/sort";
await tf.setBackend("cpu");
const k = tf.getKernel("RelaxDiffSort","cpu").kernelFunc, kg = tf.getKernel("RelaxDiffSortGrad","cpu").kernelFunc;
const be = tf.backend();
const [network,n,B,reps] = [process.argv[2], +process.argv[3], +process.argv[4], +process.argv[5]];
const x = tf.randomNormal([B,n]); const W = tf.randomNormal([B,n,n]); const ds = tf.ones([B,n]);
const attrs = {network, distribution:"cauchy", steepness:10, artLambda:0.25, withMatrix:true, descending:false, hard:false};
for (let i=0;i<reps;i++){ const o=k({inputs:{x}, attrs, backend:be}); o.forEach(t=>be.disposeData(t.dataId)); const g=kg({inputs:{x, dSorted:ds, dPermutation:W}, attrs, backend:be}); be.disposeData(g.dataId);}
