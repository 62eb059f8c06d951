# CoCosNet's loss terms in PyTorch, each written as the official code computes it
# (microsoft/CoCosNet): models/pix2pix_model.py `compute_generator_loss`, `get_ctx_loss`,
# `compute_discriminator_loss`; models/networks/ContextualLoss.py `ContextualLoss_forward`;
# models/networks/loss.py `GANLoss` (gan_mode hinge); util/util.py `feature_normalize`,
# `weighted_l1_loss`, `mse_loss`. Every function returns the term before its option weight
# (lambda_vgg, weight_gan, …), which the model applies. Our own code, not the official text.
import sys

import torch
import torch.nn.functional as F

# util.feature_normalize adds Python's float machine epsilon to the L2 norm.
NORM_EPS = sys.float_info.epsilon
FM_WEIGHTS = [1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0]  # relu1_2 … relu5_2


def feature_normalize(x):
    """x / (‖x‖₂ over channels + eps), per position."""
    return x / (torch.norm(x, 2, 1, keepdim=True) + NORM_EPS)


def contextual(x, y, h=0.1, pono=True):
    """ContextualLoss_forward: per-sample −log CX of features x [B, C, H, W] against target y.
    Centred by y's mean (over channels per position under --PONO, else over positions per
    channel), L2-normalised, d = 1 − cos, d̃ = d / (min_j d + 1e-3), A = row-normalised
    exp((1 − d̃)/h), CX = mean_i max_j A_ij. Returns [B]."""
    b, c = x.shape[0], x.shape[1]
    if pono:
        mean = y.mean(dim=1, keepdim=True)
    else:
        mean = y.reshape(b, c, -1).mean(dim=-1).reshape(b, c, 1, 1)
    x = feature_normalize(x - mean).reshape(b, c, -1)
    y = feature_normalize(y - mean).reshape(b, c, -1)
    d = 1 - torch.matmul(x.permute(0, 2, 1), y)  # [B, Nx, Ny]
    d_rel = d / (d.min(dim=-1, keepdim=True)[0] + 1e-3)
    w = torch.exp((1 - d_rel) / h)
    a = w / w.sum(dim=-1, keepdim=True)
    cx = a.max(dim=-1)[0].mean(dim=1)
    return -torch.log(cx)


def contextual_style(fake, ref, use_22ctx=False, pono=True):
    """get_ctx_loss on the feature lists [r12, r22, r32, r42, r52]: 8·CX(r52) + 4·CX(r42) +
    2·CX(avgpool2(r32)) [+ CX(avgpool4(r22))], each the batch mean; the targets detached."""
    loss = contextual(fake[-1], ref[-1].detach(), pono=pono).mean() * 8
    loss = loss + contextual(fake[-2], ref[-2].detach(), pono=pono).mean() * 4
    loss = loss + contextual(F.avg_pool2d(fake[-3], 2), F.avg_pool2d(ref[-3].detach(), 2), pono=pono).mean() * 2
    if use_22ctx:
        loss = loss + contextual(F.avg_pool2d(fake[-4], 4), F.avg_pool2d(ref[-4].detach(), 4), pono=pono).mean()
    return loss


def self_ref_weights(self_ref):
    """self_ref [B] → self_ref / (Σ self_ref + 1e-5), shaped [B, 1, 1, 1]."""
    return (self_ref / (self_ref.sum() + 1e-5)).view(-1, 1, 1, 1)


def feature_matching(fake, real, self_ref):
    """The pseudo-pair term `fm`: Σ_l w_l · mean(|fake_l − real_l| · s) (weighted_l1_loss)."""
    s = self_ref_weights(self_ref)
    return sum(w * (torch.abs(f - r.detach()) * s).mean() for w, f, r in zip(FM_WEIGHTS, fake, real))


def perceptual(fake, real, layer=-1):
    """`perc`: mse_loss of the relu5_2 (layer −1) or relu4_2 (−2) features."""
    return torch.mean((fake[layer] - real[layer].detach()) ** 2)


def hinge_generator(pred_fake):
    """GANLoss(hinge)(pred_fake, True, for_discriminator=False): −mean of each scale's last output,
    averaged over scales."""
    return sum(-torch.mean(p[-1]) for p in pred_fake) / len(pred_fake)


def hinge_discriminator(pred_real, pred_fake):
    """(D_real, D_Fake): mean(relu(1 − D(real))) and mean(relu(1 + D(fake))), averaged over scales."""
    zero = torch.zeros(())
    real = sum(-torch.mean(torch.min(p[-1] - 1, zero.expand_as(p[-1]))) for p in pred_real) / len(pred_real)
    fake = sum(-torch.mean(torch.min(-p[-1] - 1, zero.expand_as(p[-1]))) for p in pred_fake) / len(pred_fake)
    return real, fake


def discriminator_feature_matching(pred_fake, pred_real):
    """`GAN_Feat` before lambda_feat: Σ_scales Σ_layers but the last L1(fake, real.detach()) / num_D."""
    num_d = len(pred_fake)
    loss = 0
    for pf, pr in zip(pred_fake, pred_real):
        for j in range(len(pf) - 1):
            loss = loss + F.l1_loss(pf[j], pr[j].detach()) / num_d
    return loss


def warped_mask_nll(warp_mask, label, ref_label):
    """`mask` (warp_mask_losstype direct) before weight_mask: the labels [B, 1, H, W] nearest-
    downsampled by F.interpolate(scale_factor=0.25); per sample, pixels whose ground-truth class is
    0 or absent from the exemplar's downsampled label weigh 0, others 1;
    Σ w·NLL(log(warp_mask + 1e-10), gt) / (Σ w + 1e-5)."""
    ref = F.interpolate(ref_label.float(), scale_factor=0.25, mode="nearest").long().squeeze(1)
    gt = F.interpolate(label.float(), scale_factor=0.25, mode="nearest").long().squeeze(1)
    weights = []
    for i in range(ref.shape[0]):
        present = set(torch.unique(ref[i]).tolist())
        w = torch.ones_like(gt[i], dtype=warp_mask.dtype)
        for k in torch.unique(gt[i]).tolist():
            if k not in present:
                w[gt[i] == k] = 0
        w[gt[i] == 0] = 0
        weights.append(w)
    weights = torch.stack(weights)
    nll = F.nll_loss(torch.log(warp_mask + 1e-10), gt, reduction="none")
    return (nll * weights).sum() / (weights.sum() + 1e-5)


def warp_cycle(cycle, ref_image, stride=4):
    """`G_warp_cycle` before warp_cycle_w: L1(warp_cycle, avg_pool2d(exemplar, warp_stride))."""
    return F.l1_loss(cycle, F.avg_pool2d(ref_image, stride))


def warp_self(warp_out, real_image, self_ref):
    """`G_warp_self` before warp_self_w: mean(|warp_out − real| · s)."""
    return torch.mean(torch.abs(warp_out - real_image) * self_ref_weights(self_ref))
