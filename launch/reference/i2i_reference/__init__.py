"""i2i_reference: the PyTorch expressions of the models i2i implements, shared by every Python
script of the project (launch/bench_pytorch.py, the quality reference trainers in
launch/reference/, and the fixture generators Tests/<Target>/Fixtures/make_fixtures.py).

One concept per module; import the module you need (this file imports nothing, so a script
that only wants `fixture_io` does not pay for torch):

  cyclegan_networks  ResNet generator, PatchGAN discriminator, N(0, gain) initialisation
                     (junyanz/pytorch-CycleGAN-and-pix2pix, models/networks.py)
  cyclegan_model     CycleGAN's training step and its linear learning-rate rule
                     (models/cycle_gan_model.py, models/networks.py get_scheduler)
  image_pool         the history of fakes fed to the discriminators (util/image_pool.py)
  aggan_layers       AGGAN's TensorFlow layers in PyTorch, TF padding alignment, TF init
                     (AlamiMejjati/Unsupervised-Attention-guided-Image-to-Image-Translation,
                     layers.py and the block functions of model.py)
  aggan_networks     AGGAN's generator, attention network and discriminator (model.py)
  tf_adam            tf.train.AdamOptimizer as AGGAN's main.py uses it
  aggan_model        AGGAN's training iteration: four train ops (main.py)
  unit_networks      UNIT's networks: official master (VAEGen, MsImageDis, the MUNIT-code
                     blocks; mingyuliutw/UNIT networks.py) and paper code (COCOResGen,
                     COCODis; branch version_02 src/trainers/cocogan_nets.py, common_net.py)
  unit_model         UNIT's training iterations, noise through a supplied function
                     (master trainer.py UNIT_Trainer; version_02 cocogan_trainer.py)
  ugatit_networks    U-GAT-IT's ResnetGenerator (CAM, full or light γ/β head, adaILN, ILN) and
                     Discriminator (spectral norm, CAM), RhoClipper, parameter counts
                     (znxlwm/UGATIT-pytorch networks.py)
  ugatit_model       U-GAT-IT's training iteration and the heat map as the test code shows it
                     (UGATIT.py train/test, utils.py cam)
  cocosnet_losses    CoCosNet's loss terms: contextual, VGG and D feature matching, perceptual,
                     hinge, warped-mask NLL, warp cycle and self (microsoft/CoCosNet
                     models/pix2pix_model.py, models/networks/ContextualLoss.py, loss.py)
  data               i2i dataset files: loading, resizing, the training batch streams (unpaired;
                     paired with exemplars as i2i's CoCosNet trainer draws them)
  scoring            L1 and PSNR against the truth as `i2i translate` prints them (paired
                     splits with their listed exemplars too), metrics.jsonl lines
  fixture_io         writing fixture tensors; the library versions a generator ran with

Scripts outside launch/reference/ put that folder on the path first, e.g. from a fixture
generator under Tests/<Target>/Fixtures/:

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                    "launch", "reference"))
"""
