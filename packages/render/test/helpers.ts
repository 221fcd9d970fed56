import * as tf from "@tensorflow/tfjs-core";
import { loadGolden } from "@relax/core/testing";

export interface Scene {
  image_size: number;
  eye: number[];
  at: number[];
  up: number[];
  viewing_angle_deg: number;
  W: number[][];
}
export interface CameraGolden {
  scene: Scene;
  tetra_vertices: number[][];
  tetra_faces: number[][];
  cube_vertices: number[][];
  cube_faces: number[][];
  tetra_view: number[][];
  tetra_projected: number[][];
  cube_projected: number[][];
  Wp: number[][];
  grad_world_vertices_of_sum_projected_times_Wp: number[][];
}
export const cam = loadGolden<CameraGolden>("render/camera_projection.json");

/** Golden tetra faces [F,3,3] from the float64 projected vertices. */
export function tetraFaces(): tf.Tensor3D {
  const p = cam.tetra_projected;
  return tf.tensor3d(cam.tetra_faces.map((f) => f.map((i) => p[i] as number[])));
}

export function weights(): tf.Tensor2D {
  return tf.tensor2d(cam.scene.W);
}
