import numpy as np
import tensorflow as tf

# the sample and the weights of the previous cell
x = tf.constant([76.0, 120.0, 37.5])
xB = tf.concat([x, 1.0*tf.ones(1)], axis = 0)
W = tf.Variable(0.01*(tf.constant([[1.51, 0.42, -0.42, -1.04], [-1.24, 0.47, -0.01, 1.19]])))

xB_np = xB.numpy().reshape(-1, 1) # bias-feature added sample vector for numpy
y = np.array([1.0, 0.0]) #
z = np.dot(W.numpy(), xB_np) # note we use the same weights from the previous cell here
a = tf.nn.softmax(z, axis = 0).numpy().flatten()
yhat = a
L = tf.reduce_sum(-y*np.log(yhat))

print('Loss = %f'%(L))
print('-----')
print('Gradient of L w.r.t. yhat')
gradL_yhat = (-y / yhat)
print(gradL_yhat)
print('-----')
print('Gradient of a w.r.t. z')
grada_z = (np.identity(np.size(a))-a.reshape(-1,1).T) * a.reshape(-1, 1)
print(grada_z)
print('-----')
print('Gradient of z w.r.t. W')
gradz_W = np.zeros((z.shape[0], W.shape[1], z.shape[0]))
gradz_W[range(2), :, range(2)] = xB_np.flatten()
print(gradz_W)
print('-----')
print('Gradient of L w.r.t. W')
gradL_W = np.dot(gradz_W, np.dot(grada_z, gradL_yhat.reshape(-1, 1))).squeeze()
print(gradL_W)
